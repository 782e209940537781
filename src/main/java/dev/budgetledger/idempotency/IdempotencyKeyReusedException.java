package dev.budgetledger.idempotency;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

class IdempotencyKeyReusedException extends ApiException {

	IdempotencyKeyReusedException() {
		super(ProblemType.IDEMPOTENCY_KEY_REUSED,
				"This Idempotency-Key was used with a different request (method, path or body); use a new key");
	}

}
