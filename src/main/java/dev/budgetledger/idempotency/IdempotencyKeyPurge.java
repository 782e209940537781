package dev.budgetledger.idempotency;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Forgets keys older than the retention period. */
@Component
class IdempotencyKeyPurge {

	private static final Logger log = LoggerFactory.getLogger(IdempotencyKeyPurge.class);

	private static final int BATCH = 1000;

	private final IdempotentExecutor executor;

	IdempotencyKeyPurge(IdempotentExecutor executor) {
		this.executor = executor;
	}

	@Scheduled(fixedDelayString = "${budget-ledger.idempotency.purge-interval:10m}",
			initialDelayString = "${budget-ledger.idempotency.purge-interval:10m}")
	void purge() {
		int total = 0;
		int deleted;
		do {
			deleted = this.executor.purgeExpired(BATCH);
			total += deleted;
		}
		while (deleted == BATCH);
		if (total > 0) {
			log.debug("Purged {} expired idempotency keys", total);
		}
	}

}
