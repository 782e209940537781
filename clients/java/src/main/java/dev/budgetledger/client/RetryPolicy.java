package dev.budgetledger.client;

import java.time.Duration;

/**
 * How often and how patiently a request is tried. Only answers that say "nothing was done, try again" are retried
 * (503 {@code LOCK_TIMEOUT} / {@code SERVICE_UNAVAILABLE}, 429 {@code RATE_LIMITED}, 409
 * {@code IDEMPOTENCY_KEY_IN_FLIGHT}), and failures to get an answer at all (connection refused or reset,
 * time-outs). Every try of one request sends the same {@code Idempotency-Key}, so a request the service did carry
 * out before the answer was lost is answered from its stored response instead of being done twice.
 *
 * @param maxAttempts tries in all, at least 1
 * @param initialBackoff pause before the second try; it doubles each time (with up to 50% random jitter)
 * @param maxBackoff longest pause, also the most a {@code Retry-After} header is waited
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

	public RetryPolicy {
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("maxAttempts must be at least 1");
		}
	}

	public static RetryPolicy defaults() {
		return new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2));
	}

	public static RetryPolicy none() {
		return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
	}

	Duration backoff(int failedAttempts) {
		long base = this.initialBackoff.toMillis() << Math.min(failedAttempts - 1, 20);
		long capped = Math.min(base, this.maxBackoff.toMillis());
		long jitter = (capped > 0) ? java.util.concurrent.ThreadLocalRandom.current().nextLong(capped / 2 + 1) : 0;
		return Duration.ofMillis(Math.min(capped + jitter, this.maxBackoff.toMillis()));
	}

}
