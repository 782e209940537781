package dev.budgetledger.pricing;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

/**
 * A reservation named a model the catalog has no price for; it cannot be estimated, so it
 * is refused.
 */
public class UnknownModelException extends ApiException {

	UnknownModelException(String model) {
		super(ProblemType.UNKNOWN_MODEL,
				"No price is known for model '" + model + "'; add it with PUT /v1/prices/{model} or reserve an amount");
		with("model", model);
	}

}
