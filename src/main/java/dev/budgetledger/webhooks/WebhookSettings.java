package dev.budgetledger.webhooks;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Webhook delivery ({@code budget-ledger.webhooks.*}).
 *
 * @param pollInterval pause between two runs of fan-out and dispatch
 * @param batchSize most events fanned out, and most deliveries claimed, in one short
 * transaction
 * @param threads HTTP calls made at once by one instance, at most one per endpoint: a
 * slow endpoint holds one thread, so the others keep theirs unless more endpoints than
 * this are slow at once
 * @param connectTimeout bound on opening the connection to a receiver
 * @param readTimeout bound on the whole answer of a receiver, once connected
 * @param maxAttempts attempts before a delivery is DEAD
 * @param initialBackoff the cap of the first retry's delay; each later cap doubles, up to
 * {@code maxBackoff}
 * @param maxBackoff the largest cap of a retry delay (full jitter: the delay is random
 * between 0 and the cap)
 * @param maxRetryAfter the longest {@code Retry-After} of a receiver that is honoured
 * @param secretOverlap how long the previous secret still signs deliveries after a
 * rotation
 * @param allowPrivateTargets when true, URLs may point anywhere, private networks
 * included (operator's choice)
 * @param allowedTargets CIDR ranges allowed even though private (e.g. {@code 10.1.2.0/24}
 * for an internal relay)
 */
@ConfigurationProperties("budget-ledger.webhooks")
public record WebhookSettings(@DefaultValue("1s") Duration pollInterval, @DefaultValue("100") int batchSize,
		@DefaultValue("16") int threads, @DefaultValue("5s") Duration connectTimeout,
		@DefaultValue("10s") Duration readTimeout, @DefaultValue("10") int maxAttempts,
		@DefaultValue("10s") Duration initialBackoff, @DefaultValue("1h") Duration maxBackoff,
		@DefaultValue("1h") Duration maxRetryAfter, @DefaultValue("24h") Duration secretOverlap,
		@DefaultValue("false") boolean allowPrivateTargets, @DefaultValue List<String> allowedTargets) {

	public WebhookSettings {
		if (batchSize < 1 || threads < 1 || maxAttempts < 1) {
			throw new IllegalArgumentException("batch-size, threads and max-attempts must be at least 1");
		}
		for (Duration duration : List.of(connectTimeout, readTimeout, initialBackoff, maxBackoff)) {
			if (duration.isNegative() || duration.isZero()) {
				throw new IllegalArgumentException("webhook timeouts and backoffs must be positive");
			}
		}
		if (maxRetryAfter.isNegative() || secretOverlap.isNegative()) {
			throw new IllegalArgumentException("max-retry-after and secret-overlap must not be negative");
		}
		allowedTargets = List.copyOf(allowedTargets);
		allowedTargets.forEach(Cidr::parse);
	}

	/**
	 * How long a claimed delivery is reserved for the instance that claimed it: the whole
	 * HTTP call and some margin. An instance that dies mid-call lets it go when this is
	 * over, and another one delivers it again.
	 */
	Duration claimLease() {
		return this.connectTimeout.plus(this.readTimeout).multipliedBy(2).plusSeconds(5);
	}

}
