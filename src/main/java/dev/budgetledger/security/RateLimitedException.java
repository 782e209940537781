package dev.budgetledger.security;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

import org.springframework.http.HttpHeaders;

class RateLimitedException extends ApiException {

	RateLimitedException(long retryAfterSeconds) {
		super(ProblemType.RATE_LIMITED, "This API key sent too many requests; retry after " + retryAfterSeconds + " s");
		with("retryAfter", retryAfterSeconds);
		header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
	}

}
