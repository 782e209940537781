package dev.budgetledger.ledger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds that fit the work: a held reservation grows (decided like a reserve of the
 * difference) or shrinks (always) through extend, journaled as RESIZE; and
 * {@code maxHoldOutputTokens} holds worst-case estimates at a cap.
 */
class HoldResizeIntegrationTests extends IntegrationTest {

	/** A model priced at {@code input} and {@code output} USD per million tokens. */
	private String priced(String input, String output, Long defaultMaxOutputTokens) {
		String model = "resize-" + UUID.randomUUID();
		Map<String, Object> body = new HashMap<>(
				Map.of("inputPerMillion", input, "outputPerMillion", output, "currency", "USD"));
		if (defaultMaxOutputTokens != null) {
			body.put("defaultMaxOutputTokens", defaultMaxOutputTokens);
		}
		Api.Response put = this.api.put("/v1/prices/" + model, body);
		assertThat(put.status()).as(put.toString()).isEqualTo(201);
		return model;
	}

	private String priced(String input, String output) {
		return priced(input, output, null);
	}

	private Api.Response reserveOn(UUID budget, String model, long input, Long maxOutput) {
		Map<String, Object> body = new HashMap<>(Map.of("budgetId", budget, "model", model, "inputTokens", input));
		if (maxOutput != null) {
			body.put("maxOutputTokens", maxOutput);
		}
		return this.api.post("/v1/reservations", body);
	}

	private UUID heldOn(UUID budget, String model, long input, Long maxOutput) {
		Api.Response held = reserveOn(budget, model, input, maxOutput);
		assertThat(held.status()).as(held.toString()).isEqualTo(201);
		return UUID.fromString(held.text("id"));
	}

	private Api.Response extend(UUID reservation, Map<String, Object> body) {
		return this.api.post("/v1/reservations/" + reservation + "/extend", body);
	}

	private List<String> journalKinds(UUID budget) {
		return this.jdbc.sql("SELECT kind FROM journal_entries WHERE budget_id = :id ORDER BY id")
			.param("id", budget)
			.query(String.class)
			.list();
	}

	@Test
	void aHoldGrowsOnEveryLevelInItsUnitAndSettlesFromTheGrownHold() {
		String model = priced("1", "10");
		UUID root = createBudget("10");
		UUID tokens = createBudget(Map.of("limit", "10000", "unit", "TOKENS", "parentId", root));
		UUID held = heldOn(tokens, model, 1000, 1000L);

		Api.Response grown = extend(held, Map.of("maxOutputTokens", 3000));

		assertThat(grown.status()).as(grown.toString()).isEqualTo(200);
		assertThat(grown.text("amount")).isEqualTo("0.031");
		assertThat(grown.json().get("tokens").asLong()).isEqualTo(4000);
		assertThat(grown.json().get("maxOutputTokens").asLong()).isEqualTo(3000);
		assertThat(grown.text("available")).isEqualTo("6000");
		assertReconciled(root, "0", "0.031");
		assertReconciled(tokens, "0", "4000");
		assertThat(journalKinds(root)).containsExactly("OPEN", "RESERVE", "RESIZE");
		assertLedgerReconciled();

		Api.Response settled = settle(held, Map.of("inputTokens", 1000, "outputTokens", 2500));

		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
		assertThat(settled.text("charged")).isEqualTo("0.026");
		assertThat(settled.text("released")).isEqualTo("0.005");
		assertReconciled(root, "0.026", "0");
		assertReconciled(tokens, "3500", "0");
		assertLedgerReconciled();
	}

	@Test
	void aGrowthThatDoesNotFitIsDeniedAndLeavesTheHoldAsItWas() {
		String model = priced("1", "10");
		UUID budget = createBudget("0.02");
		UUID held = heldOn(budget, model, 1000, 1000L);
		String expiresAt = reservation(held).text("expiresAt");
		this.clock.advance(java.time.Duration.ofSeconds(5));

		Api.Response denied = extend(held, Map.of("maxOutputTokens", 2000, "ttlSeconds", 3600));

		assertThat(denied.status()).as(denied.toString()).isEqualTo(402);
		assertThat(denied.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(denied.text("requested")).isEqualTo("0.01");
		assertThat(denied.text("available")).isEqualTo("0.009");
		Api.Response after = reservation(held);
		assertThat(after.text("amount")).isEqualTo("0.011");
		assertThat(after.json().get("maxOutputTokens").asLong()).isEqualTo(1000);
		assertThat(after.text("expiresAt")).isEqualTo(expiresAt);
		assertThat(journalKinds(budget)).containsExactly("OPEN", "RESERVE");
		assertThat(extend(held, Map.of("maxOutputTokens", 1900)).status()).isEqualTo(200);
		assertReconciled(budget, "0", "0.020");
		assertLedgerReconciled();
	}

	@Test
	void aShrinkAlwaysSucceedsAndGivesTheDifferenceBackEvenOnAFrozenBudget() {
		String model = priced("1", "10");
		UUID budget = createBudget("1");
		UUID held = heldOn(budget, model, 1000, 1000L);
		assertThat(this.api.post("/v1/budgets/" + budget + "/freeze", Map.of("reason", "audit")).status())
			.isEqualTo(200);

		Api.Response shrunk = extend(held, Map.of("maxOutputTokens", 100));
		Api.Response grown = extend(held, Map.of("maxOutputTokens", 200));

		assertThat(shrunk.status()).as(shrunk.toString()).isEqualTo(200);
		assertThat(shrunk.text("amount")).isEqualTo("0.002");
		assertThat(shrunk.text("available")).isEqualTo("0.998");
		assertThat(grown.status()).isEqualTo(402);
		assertThat(grown.text("reason")).isEqualTo("BUDGET_FROZEN");
		assertReconciled(budget, "0", "0.002");
		assertLedgerReconciled();
	}

	@Test
	void aHoldByAmountResizesByAmountAndNotByTokens() {
		UUID budget = createBudget("10");
		UUID held = reserveAllowed(budget, "1.00");

		Api.Response grown = extend(held, Map.of("amount", "2.123456789012345678"));
		Api.Response byTokens = extend(held, Map.of("maxOutputTokens", 10));
		Api.Response shrunk = extend(held, Map.of("amount", "0.25"));
		Api.Response nothing = extend(held, Map.of());

		assertThat(grown.status()).as(grown.toString()).isEqualTo(200);
		assertThat(grown.text("amount")).isEqualTo("2.123456789012345678");
		assertThat(byTokens.status()).isEqualTo(400);
		assertThat(shrunk.text("amount")).isEqualTo("0.25");
		assertThat(nothing.status()).isEqualTo(400);
		assertThat(settle(held, Map.of("amount", "0.25")).status()).isEqualTo(200);
		assertReconciled(budget, "0.25", "0");
		assertThat(journalKinds(budget)).containsExactly("OPEN", "RESERVE", "RESIZE", "RESIZE", "SETTLE");
		Api.Response entries = this.api.get("/v1/budgets/" + budget + "/entries");
		assertThat(entries.status()).as(entries.toString()).isEqualTo(200);
		assertThat(entries.body()).contains("\"kind\":\"RESIZE\"");
		assertLedgerReconciled();
	}

	/**
	 * The example: 125,000 input tokens on a model at 15 and 75 USD per million
	 * that may write 32,000 tokens hold 4.275 each. Five leave a $25 budget 3.625, too
	 * little for a sixth, while nothing is spent. Held at 4,000 output tokens (2.175
	 * each), eleven fit, and one that needs more grows.
	 */
	@Test
	void aHoldCapKeepsWorstCaseEstimatesFromStarvingABudget() {
		String model = priced("15", "75", 32000L);
		UUID uncapped = createBudget("25");
		UUID capped = createBudget(Map.of("limit", "25", "maxHoldOutputTokens", 4000));

		for (int i = 0; i < 5; i++) {
			assertThat(reserveOn(uncapped, model, 125000, null).text("amount")).isEqualTo("4.275");
		}
		Api.Response sixth = reserveOn(uncapped, model, 125000, null);
		List<Api.Response> holds = new ArrayList<>();
		for (int i = 0; i < 11; i++) {
			holds.add(reserveOn(capped, model, 125000, null));
		}
		Api.Response twelfth = reserveOn(capped, model, 125000, null);

		assertThat(sixth.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(sixth.text("available")).isEqualTo("3.625");
		assertThat(holds).allSatisfy(held -> {
			assertThat(held.status()).isEqualTo(201);
			assertThat(held.text("amount")).isEqualTo("2.175");
			assertThat(held.json().get("maxOutputTokens").asLong()).isEqualTo(4000);
			assertThat(held.json().get("capped").asBoolean()).isTrue();
		});
		assertThat(twelfth.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(twelfth.text("available")).isEqualTo("1.075");

		Api.Response grown = extend(UUID.fromString(holds.get(0).text("id")), Map.of("maxOutputTokens", 10000));

		assertThat(grown.status()).as(grown.toString()).isEqualTo(200);
		assertThat(grown.text("amount")).isEqualTo("2.625");
		assertThat(grown.text("available")).isEqualTo("0.625");
		assertReconciled(capped, "0", "24.375");
		assertLedgerReconciled();
	}

	@Test
	void theCapIsInheritedNeverHoldsBelowTheCallersMinimumAndIsPatchedWithExactDecimalsUntouched() {
		String model = priced("1", "10");
		UUID root = createBudget(Map.of("limit", "12.345678901234567891"));
		UUID child = createBudget(Map.of("limit", "5", "parentId", root));

		Api.Response set = this.api.patch("/v1/budgets/" + root, Map.of("maxHoldOutputTokens", 500));
		Api.Response inherited = reserveOn(child, model, 1000, 2000L);
		Map<String, Object> withMinimum = new HashMap<>(Map.of("budgetId", child, "model", model, "inputTokens", 1000,
				"maxOutputTokens", 2000, "minOutputTokens", 800));
		Api.Response atMinimum = this.api.post("/v1/reservations", withMinimum);
		Api.Response small = reserveOn(child, model, 1000, 300L);
		Map<String, Object> remove = new HashMap<>();
		remove.put("maxHoldOutputTokens", null);
		Api.Response removed = this.api.patch("/v1/budgets/" + root, remove);
		Api.Response uncapped = reserveOn(child, model, 1000, 2000L);

		assertThat(set.json().get("maxHoldOutputTokens").asLong()).isEqualTo(500);
		assertThat(set.text("limit")).isEqualTo("12.345678901234567891");
		assertThat(inherited.json().get("maxOutputTokens").asLong()).isEqualTo(500);
		assertThat(inherited.json().get("capped").asBoolean()).isTrue();
		assertThat(atMinimum.json().get("maxOutputTokens").asLong()).isEqualTo(800);
		assertThat(small.json().get("maxOutputTokens").asLong()).isEqualTo(300);
		assertThat(small.json().get("capped").asBoolean()).isFalse();
		assertThat(removed.json().get("maxHoldOutputTokens")).isNull();
		assertThat(removed.text("limit")).isEqualTo("12.345678901234567891");
		assertThat(uncapped.json().get("maxOutputTokens").asLong()).isEqualTo(2000);
		assertThat(uncapped.json().get("capped").asBoolean()).isFalse();
		assertReconciled(root, "0", "0.040");
		assertLedgerReconciled();
	}

	@Test
	void twentyConcurrentGrowthsOnFiveDollarsLeftAllowExactlyTen() throws Exception {
		UUID budget = createBudget("10");
		List<UUID> holds = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			holds.add(reserveAllowed(budget, "0.25"));
		}

		List<Integer> statuses = Concurrently.run(20, 20, i -> extend(holds.get(i), Map.of("amount", "0.75")).status());

		assertThat(statuses.stream().filter(status -> status == 200).count()).isEqualTo(10);
		assertThat(statuses.stream().filter(status -> status == 402).count()).isEqualTo(10);
		assertReconciled(budget, "0", "10");
		assertThat(budget(budget).text("available")).isEqualTo("0.00");
		assertLedgerReconciled();
	}

}
