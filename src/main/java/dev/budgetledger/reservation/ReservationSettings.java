package dev.budgetledger.reservation;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Holds and their expiry ({@code budget-ledger.reservations.*}).
 *
 * @param defaultTtl how long a hold lives when the request gives no {@code ttlSeconds}
 * @param maxTtl the longest {@code ttlSeconds} a reserve or extend may ask for
 * @param sweepInterval pause between two runs of the expiry sweep
 * @param sweepBatchSize most holds expired in one transaction of the sweep
 */
@ConfigurationProperties("budget-ledger.reservations")
public record ReservationSettings(@DefaultValue("600s") Duration defaultTtl, @DefaultValue("86400s") Duration maxTtl,
		@DefaultValue("5s") Duration sweepInterval, @DefaultValue("500") int sweepBatchSize) {

	public ReservationSettings {
		if (defaultTtl.isNegative() || defaultTtl.isZero() || defaultTtl.compareTo(maxTtl) > 0) {
			throw new IllegalArgumentException("default-ttl must be positive and at most max-ttl");
		}
		if (sweepBatchSize < 1) {
			throw new IllegalArgumentException("sweep-batch-size must be at least 1");
		}
	}

}
