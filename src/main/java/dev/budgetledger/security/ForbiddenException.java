package dev.budgetledger.security;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

class ForbiddenException extends ApiException {

	ForbiddenException() {
		super(ProblemType.FORBIDDEN,
				"This API key's role may not do this; budgets, prices, API keys and the audit log need an ADMIN key");
	}

}
