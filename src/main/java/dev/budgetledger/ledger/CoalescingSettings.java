package dev.budgetledger.ledger;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Coalescing of concurrent reserves on one budget tree
 * ({@code budget-ledger.coalescing.*}), see {@link Coalescer}.
 *
 * @param enabled whether concurrent reserves on one tree share one locking transaction;
 * off, every reserve runs alone
 * @param maxBatchSize most reserves served by one transaction
 * @param lanes how many independent queues requests are spread over (by root budget);
 * trees that share a lane share its batches, hence its lock statements and commits (fewer
 * lanes: more throughput), and wait for each other's locks (more lanes: better
 * isolation); see docs/ledger.md
 * @param stallAfter how long a lane's batch may run before the requests of other trees
 * queued behind it start a batch of their own beside it (one at a time), instead of
 * waiting for a batch that waits for a lock
 */
@ConfigurationProperties("budget-ledger.coalescing")
public record CoalescingSettings(@DefaultValue("true") boolean enabled, @DefaultValue("32") int maxBatchSize,
		@DefaultValue("4") int lanes, @DefaultValue("10ms") Duration stallAfter) {

	public CoalescingSettings {
		if (maxBatchSize < 1) {
			throw new IllegalArgumentException("max-batch-size must be at least 1");
		}
		if (lanes < 1) {
			throw new IllegalArgumentException("lanes must be at least 1");
		}
		if (stallAfter.isNegative()) {
			throw new IllegalArgumentException("stall-after must not be negative");
		}
	}

}
