package dev.budgetledger.pricing;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reserves are priced from the catalog in memory: a change through this instance applies
 * to the very next reserve, and a change committed by another instance (here: straight in
 * the database) within the refresh interval.
 */
class PriceCacheIntegrationTests extends IntegrationTest {

	@Test
	void aPriceChangedHereAppliesToTheNextReserve() {
		String model = "cache-here-" + UUID.randomUUID();
		UUID budget = createBudget("100");
		putPrice(model, "1", "2");
		assertThat(heldFor(budget, model)).isEqualByComparingTo("0.002"); // 1000 in at
																			// 1/M, 500
																			// out at 2/M

		putPrice(model, "3", "4");

		assertThat(heldFor(budget, model)).isEqualByComparingTo("0.005");
	}

	@Test
	void aPriceChangedByAnotherInstanceArrivesWithinTheRefreshInterval() {
		String model = "cache-elsewhere-" + UUID.randomUUID();
		UUID budget = createBudget("100");
		putPrice(model, "1", "2");
		assertThat(heldFor(budget, model)).isEqualByComparingTo("0.002");

		// Another instance's change: committed, and never seen by this instance's own
		// code.
		this.jdbc.sql("UPDATE prices SET input_per_million = 3, output_per_million = 4 WHERE model = :model")
			.param("model", model)
			.update();

		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(heldFor(budget, model)).isEqualByComparingTo("0.005"));
	}

	private void putPrice(String model, String input, String output) {
		Api.Response put = this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", input, "outputPerMillion", output, "currency", "USD"));
		assertThat(put.status()).as(put.toString()).isIn(200, 201);
	}

	/** What a reserve of 1,000 input and 500 output tokens on {@code model} holds. */
	private BigDecimal heldFor(UUID budget, String model) {
		Api.Response reserved = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", model, "inputTokens", 1000, "maxOutputTokens", 500));
		assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
		return new BigDecimal(reserved.json().get("amount").asString());
	}

}
