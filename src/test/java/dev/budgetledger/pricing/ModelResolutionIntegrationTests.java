package dev.budgetledger.pricing;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model names as providers ship them, and what a reserve without maxOutputTokens holds.
 */
class ModelResolutionIntegrationTests extends IntegrationTest {

	@Test
	void aDatedOpenAiSnapshotIsPricedAsItsFamilyAndKeepsItsName() {
		UUID budget = createBudget("10.00");

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", "gpt-4o-2024-08-06", "inputTokens", 1000, "maxOutputTokens", 1000));

		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		// gpt-4o: 2.50 in, 10.00 out per million
		assertThat(response.text("amount")).isEqualTo("0.0125");
		assertThat(response.text("model")).isEqualTo("gpt-4o-2024-08-06");
		assertReconciled(budget, "0", "0.0125");
	}

	@Test
	void aDatedAnthropicIdAndAPrefixedIdResolve() {
		UUID budget = createBudget("10.00");

		Api.Response dated = this.api.post("/v1/reservations", Map.of("budgetId", budget, "model",
				"claude-sonnet-4-5-20250929", "inputTokens", 1000, "maxOutputTokens", 1000));
		Api.Response prefixed = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", "openai/gpt-4o", "inputTokens", 1000, "maxOutputTokens", 1000));

		assertThat(dated.status()).as(dated.toString()).isEqualTo(201);
		// claude-sonnet-4-5: 3.75 cache write is the dearest input, 15.00 out
		assertThat(dated.text("amount")).isEqualTo("0.01875");
		assertThat(prefixed.status()).as(prefixed.toString()).isEqualTo(201);
		assertThat(prefixed.text("model")).isEqualTo("openai/gpt-4o");
		assertThat(prefixed.text("amount")).isEqualTo("0.0125");
	}

	@Test
	void withoutMaxOutputTokensTheModelsDefaultIsHeldAndNamed() {
		UUID budget = createBudget("10.00");

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", "gpt-4o-mini", "inputTokens", 1000));

		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		assertThat(response.json().get("maxOutputTokens").asLong()).isEqualTo(16384);
		// 1000 x 0.15 + 16384 x 0.60, per million
		assertThat(response.text("amount")).isEqualTo("0.0099804");
		assertReconciled(budget, "0", "0.0099804");
	}

	@Test
	void aPriceCanNameItsDefaultAndOneWithoutFallsBackToTheServiceDefault() {
		String named = "test-model-" + UUID.randomUUID();
		String unnamed = "test-model-" + UUID.randomUUID();
		Api.Response put = this.api.put("/v1/prices/" + named, Map.of("inputPerMillion", "1", "outputPerMillion", "2",
				"currency", "USD", "defaultMaxOutputTokens", 500));
		this.api.put("/v1/prices/" + unnamed,
				Map.of("inputPerMillion", "1", "outputPerMillion", "2", "currency", "USD"));
		UUID budget = createBudget("10.00");

		Api.Response withOwn = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", named, "inputTokens", 100));
		Api.Response withService = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", unnamed, "inputTokens", 100));

		assertThat(put.status()).isEqualTo(201);
		assertThat(put.json().get("defaultMaxOutputTokens").asLong()).isEqualTo(500);
		assertThat(withOwn.json().get("maxOutputTokens").asLong()).isEqualTo(500);
		assertThat(withService.json().get("maxOutputTokens").asLong()).isEqualTo(4096);
		assertThat(this.api.get("/v1/prices/" + unnamed).json().has("defaultMaxOutputTokens")).isFalse();
	}

	@Test
	void aDefaultBelowMinOutputTokensIsRefused() {
		String model = "test-model-" + UUID.randomUUID();
		this.api.put("/v1/prices/" + model, Map.of("inputPerMillion", "1", "outputPerMillion", "2", "currency", "USD",
				"defaultMaxOutputTokens", 100));
		UUID budget = createBudget("10.00");

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", model, "inputTokens", 10, "minOutputTokens", 200));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.text("code")).isEqualTo("VALIDATION_FAILED");
		assertReconciled(budget, "0", "0");
	}

	@Test
	void anUnknownDatedModelIsStillUnknown() {
		UUID budget = createBudget("10.00");

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", "gpt-9-2031-01-01", "inputTokens", 10, "maxOutputTokens", 10));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.text("code")).isEqualTo("UNKNOWN_MODEL");
		assertThat(response.text("model")).isEqualTo("gpt-9-2031-01-01");
		assertReconciled(budget, "0", "0");
	}

}
