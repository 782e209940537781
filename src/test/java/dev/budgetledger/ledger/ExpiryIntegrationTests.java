package dev.budgetledger.ledger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class ExpiryIntegrationTests extends IntegrationTest {

	@Autowired
	Ledger ledger;

	@Test
	void concurrentSweepsExpireEachHoldExactlyOnce() throws Exception {
		List<UUID> budgets = new ArrayList<>();
		for (int b = 0; b < 5; b++) {
			UUID budget = createBudget("100");
			budgets.add(budget);
			for (int r = 0; r < 20; r++) {
				reserveAllowed(budget, "1.00");
			}
		}
		this.clock.advance(Duration.ofSeconds(601));

		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Integer>> sweeps = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				sweeps.add(pool.submit(() -> {
					start.await();
					int total = 0;
					int expired;
					do {
						expired = this.ledger.expireDue(7);
						total += expired;
					}
					while (expired > 0);
					return total;
				}));
			}
			start.countDown();
			for (Future<Integer> sweep : sweeps) {
				sweep.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}

		for (UUID budget : budgets) {
			long expireEntries = this.jdbc
				.sql("SELECT count(*) FROM journal_entries WHERE budget_id = :id AND kind = 'EXPIRE'")
				.param("id", budget)
				.query(Long.class)
				.single();
			long perReservation = this.jdbc.sql("""
					SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM journal_entries
					WHERE budget_id = :id AND kind = 'EXPIRE' GROUP BY reservation_id) c""")
				.param("id", budget)
				.query(Long.class)
				.single();
			assertThat(expireEntries).isEqualTo(20);
			assertThat(perReservation).isEqualTo(1);
			assertReconciled(budget, "0", "0");
		}
	}

}
