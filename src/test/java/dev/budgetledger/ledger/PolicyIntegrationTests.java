package dev.budgetledger.ledger;

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
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/** Caps, modes, thresholds, fallbacks, capped allows, dry runs and the kill switch. */
class PolicyIntegrationTests extends IntegrationTest {

	private String priceModel(String input, String output) {
		String model = "policy-model-" + UUID.randomUUID();
		Api.Response put = this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", input, "outputPerMillion", output, "currency", "USD"));
		assertThat(put.status()).as(put.toString()).isEqualTo(201);
		return model;
	}

	private Api.Response reserveTokens(UUID budget, String model, long input, long maxOutput,
			Map<String, Object> more) {
		Map<String, Object> body = new java.util.HashMap<>(more);
		body.putAll(Map.of("budgetId", budget, "model", model, "inputTokens", input, "maxOutputTokens", maxOutput));
		return this.api.post("/v1/reservations", body);
	}

	@Test
	void perCallCapsDenyWithTheirReason() {
		UUID money = createBudget(Map.of("limit", "100", "maxAmountPerCall", "1.00"));
		String model = priceModel("1", "1");
		UUID tokens = createBudget(Map.of("limit", "100", "maxTokensPerCall", 1000));

		assertThat(reserve(money, "1.00").status()).isEqualTo(201);
		Api.Response tooBig = reserve(money, "1.01");
		Api.Response tooManyTokens = reserveTokens(tokens, model, 600, 401, Map.of());

		assertThat(tooBig.text("reason")).isEqualTo("PER_CALL_LIMIT");
		assertThat(tooManyTokens.text("reason")).isEqualTo("PER_CALL_LIMIT");
		assertThat(reserveTokens(tokens, model, 600, 400, Map.of()).status()).isEqualTo(201);
	}

	@Test
	void callsPerPeriodStopARunawayLoop() {
		UUID budget = createBudget(Map.of("limit", "100", "maxCallsPerPeriod", 3));
		for (int i = 0; i < 3; i++) {
			settle(reserveAllowed(budget, "0.01"), Map.of("amount", "0.01"));
		}

		Api.Response fourth = reserve(budget, "0.01");

		assertThat(fourth.status()).isEqualTo(402);
		assertThat(fourth.text("reason")).isEqualTo("CALL_LIMIT");
		assertThat(budget(budget).json().get("callsInPeriod").asLong()).isEqualTo(3);
	}

	@Test
	void concurrentHoldsAreCappedAndFreedBySettling() {
		UUID budget = createBudget(Map.of("limit", "100", "maxConcurrentHolds", 2));
		UUID first = reserveAllowed(budget, "1");
		reserveAllowed(budget, "1");

		assertThat(reserve(budget, "1").text("reason")).isEqualTo("CONCURRENCY_LIMIT");
		settle(first, Map.of("amount", "1"));
		assertThat(reserve(budget, "1").status()).isEqualTo(201);
	}

	@Test
	void aSoftBudgetAllowsOverTheLimitAndSaysSo() {
		UUID budget = createBudget(Map.of("limit", "1.00", "mode", "SOFT"));

		Api.Response over = reserve(budget, "1.50");

		assertThat(over.status()).isEqualTo(201);
		assertThat(over.json().get("warnings").toString()).contains("OVER_LIMIT");
		assertThat(over.text("available")).isEqualTo("-0.50");
		assertReconciled(budget, "0", "1.50");
	}

	@Test
	void aSoftLeafUnderAHardParentIsStillCappedByTheParent() {
		UUID org = createBudget("1.00");
		UUID leaf = createBudget(Map.of("limit", "0.50", "mode", "SOFT", "parentId", org));

		assertThat(reserve(leaf, "0.80").status()).isEqualTo(201);
		Api.Response denied = reserve(leaf, "0.30");

		assertThat(denied.text("limitingBudgetId")).isEqualTo(org.toString());
	}

	@Test
	void eachThresholdIsReportedOnceWhenCrossed() {
		UUID budget = createBudget(Map.of("limit", "10.00", "thresholds", List.of("0.5", "0.8")));

		Api.Response below = reserve(budget, "4.00");
		Api.Response crossesHalf = reserve(budget, "2.00");
		Api.Response staysBetween = reserve(budget, "1.00");
		Api.Response crossesEighty = reserve(budget, "2.00");

		assertThat(below.json().get("warnings")).isNull();
		assertThat(crossesHalf.json().get("warnings").toString()).isEqualTo("[\"THRESHOLD_50\"]");
		assertThat(staysBetween.json().get("warnings")).isNull();
		assertThat(crossesEighty.json().get("warnings").toString()).isEqualTo("[\"THRESHOLD_80\"]");
		this.api.post("/v1/reservations/" + crossesEighty.text("id") + "/release", "");
		assertThat(reserve(budget, "2.00").json().get("warnings")).isNull();
		assertThat(crossings(budget)).isEqualTo(2);
	}

	@Test
	void aThresholdCrossedByConcurrentReservesIsRecordedExactlyOnce() throws Exception {
		UUID budget = createBudget(Map.of("limit", "10.00", "thresholds", List.of("0.5")));
		ExecutorService pool = Executors.newFixedThreadPool(16);
		List<Future<Api.Response>> futures = new ArrayList<>();
		CountDownLatch start = new CountDownLatch(1);
		for (int i = 0; i < 40; i++) {
			futures.add(pool.submit(() -> {
				start.await();
				return reserve(budget, "0.20");
			}));
		}
		start.countDown();
		int warned = 0;
		for (Future<Api.Response> future : futures) {
			JsonNode warnings = future.get(60, TimeUnit.SECONDS).json().get("warnings");
			warned += (warnings != null && warnings.toString().contains("THRESHOLD_50")) ? 1 : 0;
		}
		pool.shutdownNow();

		assertThat(warned).isEqualTo(1);
		assertThat(crossings(budget)).isEqualTo(1);
	}

	@Test
	void aFallbackModelIsChosenWhenTheRequestedOneDoesNotFit() {
		String expensive = priceModel("10", "100");
		String cheap = priceModel("1", "10");
		UUID budget = createBudget("0.05");

		Api.Response response = reserveTokens(budget, expensive, 1000, 1000, Map.of("fallbackModels", List.of(cheap)));

		assertThat(response.status()).isEqualTo(201);
		assertThat(response.text("model")).isEqualTo(cheap);
		assertThat(response.text("requestedModel")).isEqualTo(expensive);
		assertThat(response.json().get("downgraded").asBoolean()).isTrue();
		assertThat(response.text("amount")).isEqualTo("0.011");
	}

	@Test
	void downgradeAtSwitchesToAFallbackBeforeTheLimitIsReached() {
		String preferred = priceModel("1", "10");
		String cheaper = priceModel("0.1", "1");
		UUID budget = createBudget(Map.of("limit", "1.00", "downgradeAt", "0.5"));
		reserveAllowed(budget, "0.49");

		Api.Response response = reserveTokens(budget, preferred, 1000, 1000,
				Map.of("fallbackModels", List.of(cheaper)));
		Api.Response withoutFallback = reserveTokens(budget, preferred, 1000, 1000, Map.of());

		assertThat(response.text("model")).isEqualTo(cheaper);
		assertThat(response.json().get("downgraded").asBoolean()).isTrue();
		assertThat(withoutFallback.text("model")).isEqualTo(preferred);
	}

	@Test
	void whenNothingFitsInFullTheLargestOutputThatFitsIsGranted() {
		String model = priceModel("1", "10");
		UUID budget = createBudget("0.006");

		Api.Response response = reserveTokens(budget, model, 1000, 2000, Map.of("minOutputTokens", 100));
		Api.Response tooLittle = reserveTokens(createBudget("0.0015"), model, 1000, 2000,
				Map.of("minOutputTokens", 100));

		assertThat(response.status()).isEqualTo(201);
		assertThat(response.json().get("capped").asBoolean()).isTrue();
		assertThat(response.json().get("maxOutputTokens").asLong()).isEqualTo(500);
		assertThat(response.text("amount")).isEqualTo("0.006");
		assertThat(tooLittle.status()).isEqualTo(402);
	}

	@Test
	void aDryRunAnswersTheDecisionAndHoldsNothing() {
		UUID budget = createBudget("1.00");
		long entries = journalSize(budget);

		Api.Response allow = this.api.post("/v1/decisions", Map.of("budgetId", budget, "amount", "0.60"));
		Api.Response deny = this.api.post("/v1/decisions", Map.of("budgetId", budget, "amount", "1.60"));

		assertThat(allow.status()).isEqualTo(200);
		assertThat(allow.text("decision")).isEqualTo("ALLOW");
		assertThat(allow.text("available")).isEqualTo("0.40");
		assertThat(deny.text("decision")).isEqualTo("DENY");
		assertThat(deny.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(deny.text("unit")).isEqualTo("USD");
		assertThat(deny.text("limitingBudgetId")).isEqualTo(budget.toString());
		assertThat(journalSize(budget)).isEqualTo(entries);
		assertThat(budget(budget).json().get("deniedCount").asLong()).isZero();
		assertReconciled(budget, "0", "0");
	}

	@Test
	void aFrozenBudgetDeniesItsWholeSubtreeButLetsHoldsSettle() {
		UUID org = createBudget("100");
		UUID leaf = createBudget(Map.of("limit", "10", "parentId", org));
		UUID hold = reserveAllowed(leaf, "1.00");

		Api.Response frozen = this.api.post("/v1/budgets/" + org + "/freeze", Map.of("reason", "agent loop"));
		Api.Response denied = reserve(leaf, "0.01");
		Api.Response settled = settle(hold, Map.of("amount", "0.50"));

		assertThat(frozen.text("status")).isEqualTo("FROZEN");
		assertThat(frozen.text("frozenReason")).isEqualTo("agent loop");
		assertThat(denied.text("reason")).isEqualTo("BUDGET_FROZEN");
		assertThat(denied.text("limitingBudgetId")).isEqualTo(org.toString());
		assertThat(settled.status()).isEqualTo(200);

		assertThat(this.api.post("/v1/budgets/" + org + "/unfreeze", "").text("status")).isEqualTo("ACTIVE");
		assertThat(reserve(leaf, "0.01").status()).isEqualTo(201);
		List<String> kinds = this.jdbc.sql(
				"SELECT kind FROM journal_entries WHERE budget_id = :id AND kind IN ('FREEZE', 'UNFREEZE') ORDER BY id")
			.param("id", org)
			.query(String.class)
			.list();
		assertThat(kinds).containsExactly("FREEZE", "UNFREEZE");
		assertLedgerReconciled();
	}

	@Test
	void capsCanBeChangedAndRemovedWithAMergePatch() {
		UUID budget = createBudget(Map.of("limit", "100", "maxCallsPerPeriod", 1));
		reserveAllowed(budget, "1");
		assertThat(reserve(budget, "1").text("reason")).isEqualTo("CALL_LIMIT");

		Map<String, Object> removeCap = new java.util.HashMap<>();
		removeCap.put("maxCallsPerPeriod", null);
		Api.Response patched = this.api.patch("/v1/budgets/" + budget, removeCap);

		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
		assertThat(patched.json().get("maxCallsPerPeriod")).isNull();
		assertThat(reserve(budget, "1").status()).isEqualTo(201);
		assertThat(this.api.patch("/v1/budgets/" + budget, Map.of("mode", "SOFT")).text("mode")).isEqualTo("SOFT");
		Map<String, Object> nullLimit = new java.util.HashMap<>();
		nullLimit.put("limit", null);
		// The limit cannot be removed, and the spec says so: this request breaks the
		// contract on purpose.
		assertThat(this.api.offContract().patch("/v1/budgets/" + budget, nullLimit).status()).isEqualTo(400);
	}

	private long crossings(UUID budget) {
		return this.jdbc.sql("SELECT count(*) FROM threshold_crossings WHERE budget_id = :id")
			.param("id", budget)
			.query(Long.class)
			.single();
	}

}
