package dev.budgetledger.ledger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Governance: a budget's allowed models, inherited down its subtree, with fallbacks as
 * downgrades.
 */
class AllowedModelsIntegrationTests extends IntegrationTest {

	/** A model family of its own, priced at 1 and 10 USD per million tokens. */
	private String family() {
		String model = "gov-" + UUID.randomUUID();
		Api.Response put = this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", "1", "outputPerMillion", "10", "currency", "USD"));
		assertThat(put.status()).as(put.toString()).isEqualTo(201);
		return model;
	}

	private Api.Response reserveOn(UUID budget, String model, List<String> fallbacks) {
		Map<String, Object> body = new HashMap<>(
				Map.of("budgetId", budget, "model", model, "inputTokens", 1000, "maxOutputTokens", 1000));
		if (!fallbacks.isEmpty()) {
			body.put("fallbackModels", fallbacks);
		}
		return this.api.post("/v1/reservations", body);
	}

	@Test
	void aModelTheBudgetDoesNotAllowIsDeniedWithItsOwnReason() {
		String allowed = family();
		String other = family();
		UUID budget = createBudget(Map.of("limit", "10", "allowedModels", List.of(allowed)));

		Api.Response denied = reserveOn(budget, other, List.of());
		Api.Response held = reserveOn(budget, allowed, List.of());

		assertThat(budget(budget).json().get("allowedModels").toString()).isEqualTo("[\"" + allowed + "\"]");
		assertThat(denied.status()).isEqualTo(402);
		assertThat(denied.text("reason")).isEqualTo("MODEL_NOT_ALLOWED");
		assertThat(denied.text("limitingBudgetId")).isEqualTo(budget.toString());
		assertThat(held.status()).as(held.toString()).isEqualTo(201);
		assertThat(held.text("amount")).isEqualTo("0.011");
		assertThat(budget(budget).json().get("deniedCount").asLong()).isEqualTo(1);
		assertReconciled(budget, "0", "0.011");
		assertLedgerReconciled();
	}

	@Test
	void aChildInheritsItsParentsListAndCanOnlyNarrowIt() {
		String a = family();
		String b = family();
		UUID team = createBudget(Map.of("limit", "10", "allowedModels", List.of(a, b)));
		UUID open = createBudget(Map.of("limit", "5", "parentId", team));
		UUID narrow = createBudget(Map.of("limit", "5", "parentId", team, "allowedModels", List.of(b)));
		String outside = family();

		Api.Response outsideOnChild = reserveOn(open, outside, List.of());
		Api.Response aOnNarrow = reserveOn(narrow, a, List.of());

		assertThat(budget(open).json().get("allowedModels")).isNull();
		assertThat(outsideOnChild.text("reason")).isEqualTo("MODEL_NOT_ALLOWED");
		assertThat(outsideOnChild.text("limitingBudgetId")).isEqualTo(team.toString());
		assertThat(reserveOn(open, a, List.of()).status()).isEqualTo(201);
		assertThat(aOnNarrow.text("reason")).isEqualTo("MODEL_NOT_ALLOWED");
		assertThat(aOnNarrow.text("limitingBudgetId")).isEqualTo(narrow.toString());
		assertThat(reserveOn(narrow, b, List.of()).status()).isEqualTo(201);
		assertReconciled(team, "0", "0.022");
		assertLedgerReconciled();
	}

	@Test
	void aModelNotAllowedIsDowngradedToItsFirstAllowedFallback() {
		String allowed = family();
		String asked = family();
		String alsoRefused = family();
		UUID budget = createBudget(Map.of("limit", "10", "allowedModels", List.of(allowed)));

		Api.Response held = reserveOn(budget, asked, List.of(alsoRefused, allowed));

		assertThat(held.status()).as(held.toString()).isEqualTo(201);
		assertThat(held.text("model")).isEqualTo(allowed);
		assertThat(held.text("requestedModel")).isEqualTo(asked);
		assertThat(held.json().get("downgraded").asBoolean()).isTrue();
		assertThat(reserveOn(budget, asked, List.of(alsoRefused)).text("reason")).isEqualTo("MODEL_NOT_ALLOWED");
	}

	@Test
	void aDatedSnapshotOfAnAllowedFamilyIsAllowedButAReserveByAmountIsNot() {
		String allowed = family();
		UUID budget = createBudget(Map.of("limit", "10", "allowedModels", List.of(allowed)));

		Api.Response dated = reserveOn(budget, allowed + "-2025-09-29", List.of());
		Api.Response prefixed = reserveOn(budget, "router/" + allowed, List.of());
		Api.Response byAmount = reserve(budget, "1.00");

		assertThat(dated.status()).as(dated.toString()).isEqualTo(201);
		assertThat(dated.text("model")).isEqualTo(allowed + "-2025-09-29");
		assertThat(prefixed.status()).as(prefixed.toString()).isEqualTo(201);
		assertThat(byAmount.status()).isEqualTo(402);
		assertThat(byAmount.text("reason")).isEqualTo("MODEL_NOT_ALLOWED");
	}

	@Test
	void aPatchSetsAndRemovesTheListAndLeavesExactDecimalsAlone() {
		String allowed = family();
		String other = family();
		UUID budget = createBudget(
				Map.of("limit", "12.345678901234567891", "maxAmountPerCall", "1.234567890123456789"));

		Api.Response set = this.api.patch("/v1/budgets/" + budget, Map.of("allowedModels", List.of(allowed)));
		Api.Response refused = reserveOn(budget, other, List.of());
		Api.Response empty = this.api.offContract().patch("/v1/budgets/" + budget, Map.of("allowedModels", List.of()));
		Map<String, Object> remove = new HashMap<>();
		remove.put("allowedModels", null);
		Api.Response removed = this.api.patch("/v1/budgets/" + budget, remove);

		assertThat(set.status()).as(set.toString()).isEqualTo(200);
		assertThat(set.json().get("allowedModels").toString()).isEqualTo("[\"" + allowed + "\"]");
		assertThat(set.text("limit")).isEqualTo("12.345678901234567891");
		assertThat(set.text("maxAmountPerCall")).isEqualTo("1.234567890123456789");
		assertThat(refused.text("reason")).isEqualTo("MODEL_NOT_ALLOWED");
		assertThat(empty.status()).isEqualTo(400);
		assertThat(removed.status()).isEqualTo(200);
		assertThat(removed.json().get("allowedModels")).isNull();
		assertThat(removed.text("limit")).isEqualTo("12.345678901234567891");
		assertThat(removed.text("maxAmountPerCall")).isEqualTo("1.234567890123456789");
		assertThat(reserveOn(budget, other, List.of()).status()).isEqualTo(201);
		assertLedgerReconciled();
	}

}
