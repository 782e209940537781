package dev.budgetledger.pricing;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

class PriceNotFoundException extends ApiException {

	PriceNotFoundException(String model) {
		super(ProblemType.PRICE_NOT_FOUND, "No price for model '" + model + "'");
		with("model", model);
	}

}
