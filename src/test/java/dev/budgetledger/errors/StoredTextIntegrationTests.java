package dev.budgetledger.errors;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The smaller findings of the hostile-client review: text PostgreSQL cannot store as sent
 * is refused (not a 500, not a '?'), a tree counts money in one currency even under a
 * TOKENS root, and a merge patch's binding error speaks of fields, not Java classes.
 */
class StoredTextIntegrationTests extends IntegrationTest {

	@Test
	void aNulCharacterInMetadataIsRefusedNotA500EvenForAClient() {
		UUID budget = createBudget("10");
		Api client = this.api.as(clientKey(budget)).offContract();

		Api.Response nul = client.post("/v1/reservations",
				"{\"budgetId\": \"" + budget + "\", \"amount\": \"1\", \"metadata\": {\"note\": \"a\\u0000b\"}}");
		Api.Response nulKey = client.post("/v1/reservations",
				"{\"budgetId\": \"" + budget + "\", \"amount\": \"1\", \"metadata\": {\"a\\u0000\": [\"x\"]}}");

		assertThat(nul.status()).as(nul.toString()).isEqualTo(400);
		assertThat(nul.text("code")).isEqualTo("VALIDATION_FAILED");
		assertThat(nulKey.status()).as(nulKey.toString()).isEqualTo(400);
		assertThat(journalSize(budget)).isEqualTo(1);
	}

	@Test
	void loneSurrogatesAreRefusedAndRealPairsAreStoredAsSent() {
		UUID budget = createBudget("10");
		Api.Response lone = this.api.offContract()
			.post("/v1/reservations",
					"{\"budgetId\": \"" + budget + "\", \"amount\": \"1\", \"metadata\": {\"note\": \"x\\ud800y\"}}");
		Api.Response loneName = this.api.offContract()
			.post("/v1/budgets", "{\"name\": \"team \\udc00\", \"limit\": \"1\"}");
		Api.Response pair = this.api.post("/v1/reservations", "{\"budgetId\": \"" + budget
				+ "\", \"amount\": \"1\", \"metadata\": {\"note\": \"x\\ud83d\\ude00y\"}}");

		assertThat(lone.status()).as(lone.toString()).isEqualTo(400);
		assertThat(loneName.status()).as(loneName.toString()).isEqualTo(400);
		assertThat(pair.status()).as(pair.toString()).isEqualTo(201);
		assertThat(reservation(UUID.fromString(pair.text("id"))).json().get("metadata").get("note").asString())
			.isEqualTo("x\uD83D\uDE00y");
	}

	@Test
	void aTokensRootCannotHoldChildrenCountingDifferentCurrencies() {
		UUID root = createBudget(Map.of("limit", "1000000", "unit", "TOKENS"));
		createBudget(Map.of("limit", "10", "currency", "USD", "parentId", root));

		Api.Response euro = this.api.post("/v1/budgets",
				Map.of("name", "eu team", "limit", "10", "currency", "EUR", "parentId", root));

		assertThat(euro.status()).as(euro.toString()).isEqualTo(400);
		assertThat(euro.text("code")).isEqualTo("INVALID_PARENT");
		assertThat(
				this.api.post("/v1/budgets", Map.of("name", "tokens", "limit", "5", "unit", "TOKENS", "parentId", root))
					.status())
			.isEqualTo(201);
	}

	@Test
	void aMergePatchOfTheWrongTypeSaysWhichFieldNotWhichJavaClass() {
		UUID budget = createBudget("10");

		Api.Response wrong = this.api.offContract().patch("/v1/budgets/" + budget, "{\"maxTokensPerCall\": \"many\"}");

		assertThat(wrong.status()).as(wrong.toString()).isEqualTo(400);
		assertThat(wrong.contentType()).startsWith("application/problem+json");
		assertThat(wrong.text("detail")).isEqualTo("Field 'maxTokensPerCall' has the wrong type or format");
		assertThat(wrong.body()).doesNotContain("java.").doesNotContain("`");
	}

}
