package dev.budgetledger.security;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class ForbiddenException extends ApiException {

	ForbiddenException() {
		this("This API key's role may not do this; budgets, prices, API keys and the audit log need an ADMIN key");
	}

	/**
	 * A CLIENT key asked for something only an ADMIN key may do; {@code detail} says
	 * what.
	 */
	public ForbiddenException(String detail) {
		super(ProblemType.FORBIDDEN, detail);
	}

}
