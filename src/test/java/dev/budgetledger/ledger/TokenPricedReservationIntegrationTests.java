package dev.budgetledger.ledger;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

class TokenPricedReservationIntegrationTests extends IntegrationTest {

	private String priceModel(String input, String output) {
		String model = "test-model-" + UUID.randomUUID();
		Api.Response put = this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", input, "outputPerMillion", output, "currency", "USD"));
		assertThat(put.status()).as(put.toString()).isEqualTo(201);
		return model;
	}

	@Test
	void theEstimateIsInputPlusMaxOutputTokensAtTheModelsPrice() {
		String model = priceModel("0.15", "0.60");
		UUID budget = createBudget("1.00");

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", model, "inputTokens", 1000, "maxOutputTokens", 2000));

		assertThat(response.status()).isEqualTo(201);
		assertThat(response.text("amount")).isEqualTo("0.00135");
		assertThat(response.text("model")).isEqualTo(model);
		assertThat(response.json().get("inputTokens").asLong()).isEqualTo(1000);
		assertThat(response.json().get("maxOutputTokens").asLong()).isEqualTo(2000);
		assertReconciled(budget, "0", "0.00135");
	}

	@Test
	void settlingWithTokensUsesThePriceCapturedAtReservationTime() {
		String model = priceModel("0.15", "0.60");
		UUID budget = createBudget("1.00");
		Api.Response reserved = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", model, "inputTokens", 1000, "maxOutputTokens", 2000));
		this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", "1.50", "outputPerMillion", "6.00", "currency", "USD"));

		Api.Response settled = settle(UUID.fromString(reserved.text("id")),
				Map.of("inputTokens", 1000, "outputTokens", 500));

		assertThat(settled.status()).isEqualTo(200);
		assertThat(settled.text("charged")).isEqualTo("0.00045");
		assertThat(settled.text("released")).isEqualTo("0.0009");
		assertThat(settled.json().get("settledOutputTokens").asLong()).isEqualTo(500);
		assertReconciled(budget, "0.00045", "0");
	}

	@Test
	void tinyPerTokenPricesAreChargedExactly() {
		String model = priceModel("0.075", "0.000000000001");
		UUID budget = createBudget("1.00");
		Api.Response reserved = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", model, "inputTokens", 1, "maxOutputTokens", 1));

		assertThat(reserved.text("amount")).isEqualTo("0.000000075000000001");
		Api.Response settled = settle(UUID.fromString(reserved.text("id")),
				Map.of("inputTokens", 1, "outputTokens", 0));
		assertThat(settled.text("charged")).isEqualTo("0.000000075");
		assertReconciled(budget, "0.000000075", "0");
	}

	@Test
	void anUnknownModelIsRefusedByName() {
		UUID budget = createBudget("1.00");

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", "no-such-model", "inputTokens", 10, "maxOutputTokens", 10));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.text("code")).isEqualTo("UNKNOWN_MODEL");
		assertThat(response.text("model")).isEqualTo("no-such-model");
		assertThat(response.text("detail")).contains("no-such-model");
	}

	@Test
	void aModelPricedInAnotherCurrencyIsRefused() {
		String model = priceModel("1", "1");
		Api.Response budget = this.api.post("/v1/budgets", Map.of("name", "euro", "limit", "10", "currency", "EUR"));

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget.text("id"), "model", model, "inputTokens", 10, "maxOutputTokens", 10));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.text("code")).isEqualTo("CURRENCY_MISMATCH");
		assertReconciled(UUID.fromString(budget.text("id")), "0", "0");
	}

	@Test
	void anAmountReservationCannotBeSettledWithTokens() {
		UUID budget = createBudget("1.00");
		UUID hold = reserveAllowed(budget, "0.50");

		Api.Response response = settle(hold, Map.of("inputTokens", 10, "outputTokens", 10));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.text("code")).isEqualTo("NOT_TOKEN_PRICED");
		assertReconciled(budget, "0", "0.50");
	}

	@Test
	void theShippedCatalogPricesRealModels() {
		Api.Response response = this.api.get("/v1/prices/gpt-4o-mini");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.text("inputPerMillion")).isEqualTo("0.15");
		assertThat(response.text("outputPerMillion")).isEqualTo("0.60");
		assertThat(response.text("currency")).isEqualTo("USD");
		assertThat(response.text("source")).isEqualTo("CATALOG");
		assertThat(response.text("asOf")).isEqualTo("2025-11-24");
	}

}
