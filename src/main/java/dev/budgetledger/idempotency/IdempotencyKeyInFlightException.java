package dev.budgetledger.idempotency;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

class IdempotencyKeyInFlightException extends ApiException {

	IdempotencyKeyInFlightException() {
		super(ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT,
				"Another request with this Idempotency-Key is being processed; retry after it completes");
	}

}
