package dev.budgetledger.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/** The check-then-act race on a spend cap, and proof that the row lock closes it. */
class ReservationConcurrencyIntegrationTests extends IntegrationTest {

	@Test
	void threeConcurrentReservesOnANearlySpentBudgetAreAllDenied() throws Exception {
		UUID budget = createBudget("5.00");
		settle(reserveAllowed(budget, "4.99"), Map.of("amount", "4.99"));

		List<Integer> statuses = concurrently(3, 3, () -> reserve(budget, "0.10").status());

		assertThat(statuses).containsExactly(402, 402, 402);
		assertThat(budget(budget).json().get("deniedCount").asLong()).isEqualTo(3);
		assertReconciled(budget, "4.99", "0");
	}

	@Test
	void twoHundredConcurrentReservesOnFiveDollarsAllowExactlyFifty() throws Exception {
		UUID budget = createBudget("5.00");

		List<Integer> statuses = concurrently(200, 32, () -> reserve(budget, "0.10").status());

		assertThat(statuses).filteredOn(s -> s == 201).hasSize(50);
		assertThat(statuses).filteredOn(s -> s == 402).hasSize(150);
		Api.Response after = budget(budget);
		assertThat(after.text("reserved")).isEqualTo("5.00");
		assertThat(after.text("available")).isEqualTo("0.00");
		assertThat(after.json().get("deniedCount").asLong()).isEqualTo(150);
		long holds = this.jdbc.sql("SELECT count(*) FROM reservations WHERE budget_id = :id AND status = 'HELD'")
			.param("id", budget)
			.query(Long.class)
			.single();
		assertThat(holds).isEqualTo(50);
		assertThat(journalSize(budget)).isEqualTo(1 + 50);
		assertReconciled(budget, "0", "5.00");
	}

	@Test
	void concurrentSettlesAndReleasesKeepTheBudgetReconciled() throws Exception {
		UUID budget = createBudget("100");
		List<UUID> holds = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			holds.add(reserveAllowed(budget, "1.00"));
		}

		List<Integer> statuses = Concurrently.run(40, 16,
				(int i) -> (i % 2 == 0) ? settle(holds.get(i), Map.of("amount", "0.25")).status()
						: this.api.post("/v1/reservations/" + holds.get(i) + "/release", "").status());

		assertThat(statuses).containsOnly(200).hasSize(40);
		assertReconciled(budget, "5.00", "0");
	}

	private <T> List<T> concurrently(int tasks, int threads, java.util.concurrent.Callable<T> task) throws Exception {
		return Concurrently.run(tasks, threads, i -> {
			try {
				return task.call();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

}
