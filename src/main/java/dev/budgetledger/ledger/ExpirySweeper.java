package dev.budgetledger.ledger;

import dev.budgetledger.reservation.ReservationSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Gives back holds whose callers never came back. Safe to run on every instance at once:
 * each batch locks the budgets it works on with {@code FOR UPDATE SKIP LOCKED}, so two
 * sweeps never expire the same hold.
 */
@Component
class ExpirySweeper {

	private static final Logger log = LoggerFactory.getLogger(ExpirySweeper.class);

	/**
	 * Bounds one run, so a huge backlog is worked off over several runs instead of one
	 * endless one.
	 */
	private static final int MAX_BATCHES_PER_RUN = 20;

	private final Ledger ledger;

	private final ReservationSettings settings;

	ExpirySweeper(Ledger ledger, ReservationSettings settings) {
		this.ledger = ledger;
		this.settings = settings;
	}

	@Scheduled(fixedDelayString = "${budget-ledger.reservations.sweep-interval:5s}")
	void sweep() {
		try {
			int total = 0;
			for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
				int expired = this.ledger.expireDue(this.settings.sweepBatchSize());
				total += expired;
				if (expired == 0) {
					break;
				}
			}
			if (total > 0) {
				log.info("Expired {} holds", total);
			}
		}
		catch (RuntimeException ex) {
			// The next run retries; a database outage must not kill the scheduler
			// thread's loop.
			log.warn("Expiry sweep failed: {}", ex.getMessage());
		}
	}

}
