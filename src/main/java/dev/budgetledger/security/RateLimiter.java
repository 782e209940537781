package dev.budgetledger.security;

import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/**
 * A token bucket per API key, in this instance's memory: cheap (no database round trip on
 * the hot path) and good enough to stop one runaway agent from flooding the service. Each
 * instance counts on its own, so behind a balancer with N instances a key may get up to N
 * times the configured rate. Buckets exist only for keys that authenticated, so their
 * number is bounded by the keys in the database.
 */
@Component
class RateLimiter {

	private final double perMilli;

	private final int burst;

	private final Clock clock;

	private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();

	RateLimiter(SecuritySettings settings, Clock clock) {
		this.perMilli = settings.rateLimit().requestsPerSecond() / 1000.0;
		this.burst = settings.rateLimit().burst();
		this.clock = clock;
	}

	/**
	 * Takes one token from the key's bucket.
	 * @return 0 if the request may go ahead, else the whole seconds until a token will be
	 * there
	 */
	long acquire(UUID keyId) {
		long now = this.clock.millis();
		return this.buckets.computeIfAbsent(keyId, id -> new Bucket(this.burst, now)).acquire(now);
	}

	private final class Bucket {

		private double tokens;

		private long refilledAt;

		private Bucket(double tokens, long now) {
			this.tokens = tokens;
			this.refilledAt = now;
		}

		synchronized long acquire(long now) {
			// A clock that steps back (NTP) must not take tokens away or make the wait
			// negative.
			long elapsed = Math.max(0, now - this.refilledAt);
			this.tokens = Math.min(RateLimiter.this.burst, this.tokens + elapsed * RateLimiter.this.perMilli);
			this.refilledAt = Math.max(this.refilledAt, now);
			if (this.tokens >= 1) {
				this.tokens -= 1;
				return 0;
			}
			double millis = (1 - this.tokens) / RateLimiter.this.perMilli;
			return Math.max(1, (long) Math.ceil(millis / 1000.0));
		}

	}

}
