package dev.budgetledger.ledger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.IntegrationTest;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scheduled sweep itself, running every 100 ms in a context of its own. The context
 * is closed afterwards so its fast sweep cannot race the tests that decide themselves
 * when holds expire.
 */
@DirtiesContext
@TestPropertySource(properties = "budget-ledger.reservations.sweep-interval=100ms")
class ExpirySchedulerIntegrationTests extends IntegrationTest {

	@Test
	void theSchedulerExpiresAbandonedHoldsAndReturnsThem() {
		UUID budget = createBudget("5.00");
		UUID abandoned = this.api
			.post("/v1/reservations", Map.of("budgetId", budget, "amount", "2.00", "ttlSeconds", 30))
			.json()
			.get("id")
			.asString()
			.transform(UUID::fromString);
		UUID kept = reserveAllowed(budget, "1.00");

		this.clock.advance(Duration.ofSeconds(31));

		await().atMost(Duration.ofSeconds(20)).until(() -> "EXPIRED".equals(reservation(abandoned).text("status")));
		assertThat(reservation(kept).text("status")).isEqualTo("HELD");
		assertThat(reservation(abandoned).text("released")).isEqualTo("2.00");
		List<String> kinds = this.jdbc.sql("SELECT kind FROM journal_entries WHERE reservation_id = :id ORDER BY id")
			.param("id", abandoned)
			.query(String.class)
			.list();
		assertThat(kinds).containsExactly("RESERVE", "EXPIRE");
		assertReconciled(budget, "0", "1.00");
	}

}
