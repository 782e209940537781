package dev.budgetledger.security;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

class ApiKeyNotFoundException extends ApiException {

	ApiKeyNotFoundException(UUID id) {
		super(ProblemType.API_KEY_NOT_FOUND, "No API key " + id);
		with("apiKeyId", id);
	}

}
