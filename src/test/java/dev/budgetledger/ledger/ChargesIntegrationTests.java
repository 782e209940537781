package dev.budgetledger.ledger;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Direct charges: spend that already happened, booked without a hold on every level of
 * the chain, past a HARD limit if need be (flagged), journaled as CHARGE, evented,
 * reported and reconciled.
 */
class ChargesIntegrationTests extends IntegrationTest {

	private Api.Response charge(UUID budgetId, Map<String, Object> body, String... headers) {
		return this.api.post("/v1/budgets/" + budgetId + "/charges", body, headers);
	}

	@Test
	void aChargeOnABudgetWithRoomMovesSpentOnEveryLevel() {
		UUID root = createBudget("100");
		UUID team = createBudget(Map.of("limit", "10", "parentId", root));

		Api.Response charged = charge(team,
				Map.of("amount", "2.50", "reason", "call made while offline", "metadata", Map.of("run", "r-17")));

		assertThat(charged.status()).as(charged.toString()).isEqualTo(201);
		assertThat(charged.text("amount")).isEqualTo("2.50");
		assertThat(charged.text("currency")).isEqualTo("USD");
		assertThat(charged.json().get("overLimit").asBoolean()).isFalse();
		assertThat(charged.text("available")).isEqualTo("7.50");
		assertThat(charged.text("unit")).isEqualTo("USD");
		assertThat(charged.json().get("metadata").get("run").asString()).isEqualTo("r-17");
		assertReconciled(team, "2.50", "0");
		assertReconciled(root, "2.50", "0");
		JsonNode entry = this.api.get("/v1/budgets/" + team + "/entries")
			.json()
			.get("items")
			.valueStream()
			.filter(e -> e.get("kind").asString().equals("CHARGE"))
			.findFirst()
			.orElseThrow();
		assertThat(entry.get("spentDelta").asString()).isEqualTo("2.50");
		assertThat(entry.get("reservedDelta").asString()).isEqualTo("0.00");
		assertThat(entry.get("chargeId").asString()).isEqualTo(charged.text("id"));
		assertThat(entry.get("note").asString()).isEqualTo("call made while offline");
		assertThat(this.api.get("/v1/budgets/" + root + "/usage").json().get("total").get("spend").asString())
			.isEqualTo("2.50");
		JsonNode event = this.api.get("/v1/events?type=budget.charged&budgetId=" + team).json().get("items").get(0);
		assertThat(event.get("data").get("chargeId").asString()).isEqualTo(charged.text("id"));
		assertThat(event.get("data").get("amount").asString()).isEqualTo("2.50");
		assertThat(event.get("data").get("overLimit").asBoolean()).isFalse();
		assertLedgerReconciled();
	}

	@Test
	void aChargePastAHardLimitIsBookedFlaggedEventedAndReconciles() {
		UUID root = createBudget(Map.of("limit", "100", "mode", "HARD"));
		UUID team = createBudget(Map.of("limit", "10", "mode", "HARD", "parentId", root, "thresholds", List.of("0.8")));
		UUID hold = reserveAllowed(team, "6.00");
		assertThat(reserve(team, "5.00").status()).isEqualTo(402);

		Api.Response charged = charge(team, Map.of("amount", "7.25"));

		assertThat(charged.status()).as(charged.toString()).isEqualTo(201);
		assertThat(charged.json().get("overLimit").asBoolean()).isTrue();
		assertThat(charged.text("available")).isEqualTo("-3.25");
		assertThat(charged.json().get("warnings").toString()).contains("THRESHOLD_80");
		assertReconciled(team, "7.25", "6.00");
		assertReconciled(root, "7.25", "6.00");
		assertThat(this.jdbc.sql("SELECT over_limit FROM charges WHERE id = :id")
			.param("id", UUID.fromString(charged.text("id")))
			.query(Boolean.class)
			.single()).isTrue();
		assertThat(this.api.get("/v1/events?type=budget.exhausted&budgetId=" + team).json().get("items").size())
			.isEqualTo(1);
		assertThat(this.api.get("/v1/events?type=budget.charged&budgetId=" + team)
			.json()
			.get("items")
			.get(0)
			.get("data")
			.get("overLimit")
			.asBoolean()).isTrue();
		// The ledger still holds: nothing is reserved past the limit, and the hold
		// settles (1.75 left after it).
		assertThat(reserve(team, "0.01").status()).isEqualTo(402);
		assertThat(settle(hold, Map.of("amount", "1.00")).status()).isEqualTo(200);
		assertThat(reserve(team, "1.76").status()).isEqualTo(402);
		assertReconciled(team, "8.25", "0");
		assertLedgerReconciled();
	}

	@Test
	void anIdempotentReplayBooksOnce() {
		UUID budget = createBudget("10");

		Api.Response first = charge(budget, Map.of("amount", "1.20"), "Idempotency-Key", "charge-once-1");
		Api.Response again = charge(budget, Map.of("amount", "1.20"), "Idempotency-Key", "charge-once-1");
		Api.Response other = charge(budget, Map.of("amount", "9.99"), "Idempotency-Key", "charge-once-1");

		assertThat(first.status()).as(first.toString()).isEqualTo(201);
		assertThat(again.status()).isEqualTo(201);
		assertThat(again.text("id")).isEqualTo(first.text("id"));
		assertThat(other.status()).isEqualTo(422);
		assertReconciled(budget, "1.20", "0");
		assertThat(this.jdbc.sql("SELECT count(*) FROM charges WHERE budget_id = :id")
			.param("id", budget)
			.query(Long.class)
			.single()).isEqualTo(1L);
		assertLedgerReconciled();
	}

	@Test
	void aTokenChargeIsPricedFromTheCatalogAndCountsTokensOnTokenBudgets() {
		String model = "charge-model-" + UUID.randomUUID();
		assertThat(this.api
			.put("/v1/prices/" + model,
					Map.of("inputPerMillion", "0.15", "outputPerMillion", "0.60", "currency", "USD"))
			.status()).isIn(200, 201);
		UUID org = createBudget("100");
		UUID tokens = createBudget(Map.of("limit", 5000, "unit", "TOKENS", "parentId", org));

		Api.Response charged = charge(tokens,
				Map.of("model", model, "inputTokens", 1000, "outputTokens", 6000, "reason", "ran while denied"));

		// 1000 x 0.15 / 10^6 + 6000 x 0.60 / 10^6 = 0.00015 + 0.0036
		assertThat(charged.status()).as(charged.toString()).isEqualTo(201);
		assertThat(charged.amount("amount")).isEqualByComparingTo("0.00375");
		assertThat(charged.json().get("tokens").asLong()).isEqualTo(7000);
		assertThat(charged.text("model")).isEqualTo(model);
		assertThat(charged.json().get("overLimit").asBoolean()).isTrue();
		assertThat(charged.text("available")).isEqualTo("-2000");
		assertThat(charged.text("unit")).isEqualTo("TOKENS");
		assertReconciled(tokens, "7000", "0");
		assertReconciled(org, "0.00375", "0");
		JsonNode usage = this.api.get("/v1/budgets/" + org + "/usage?groupBy=model").json();
		JsonNode group = usage.get("groups").get(0);
		assertThat(group.get("key").asString()).isEqualTo(model);
		assertThat(group.get("inputTokens").asLong()).isEqualTo(1000);
		assertThat(group.get("outputTokens").asLong()).isEqualTo(6000);
		assertThat(usage.get("total").get("charges").asLong()).isEqualTo(1);
		assertLedgerReconciled();

		// A token budget cannot count an amount alone.
		Api.Response amountOnly = charge(tokens, Map.of("amount", "1"));
		assertThat(amountOnly.status()).isEqualTo(400);
		assertThat(amountOnly.text("code")).isEqualTo("TOKENS_REQUIRED");
		assertReconciled(tokens, "7000", "0");
	}

	@Test
	void aClientKeyChargesOnlyWithinItsScope() {
		UUID root = createBudget("100");
		UUID mine = createBudget(Map.of("limit", "10", "parentId", root));
		UUID child = createBudget(Map.of("limit", "5", "parentId", mine));
		UUID other = createBudget(Map.of("limit", "10", "parentId", root));
		Api client = this.api.as(clientKey(mine));

		Api.Response own = client.post("/v1/budgets/" + child + "/charges", Map.of("amount", "1"));
		Api.Response outside = client.post("/v1/budgets/" + other + "/charges", Map.of("amount", "1"));
		Api.Response above = client.post("/v1/budgets/" + root + "/charges", Map.of("amount", "1"));
		Api.Response missing = client.post("/v1/budgets/" + UUID.randomUUID() + "/charges", Map.of("amount", "1"));

		assertThat(own.status()).as(own.toString()).isEqualTo(201);
		assertThat(outside.status()).isEqualTo(404);
		assertThat(above.status()).isEqualTo(404);
		assertThat(missing.status()).isEqualTo(404);
		assertThat(outside.text("code")).isEqualTo(missing.text("code"));
		assertReconciled(child, "1", "0");
		assertReconciled(other, "0", "0");
		assertReconciled(root, "1", "0");
	}

	@Test
	void aClientCannotExhaustARootItSharesByChargingPastItsBudget() {
		UUID root = createBudget(Map.of("limit", "100", "mode", "HARD"));
		UUID team1 = createBudget(Map.of("limit", "10", "mode", "HARD", "parentId", root));
		UUID team2 = createBudget(Map.of("limit", "10", "mode", "HARD", "parentId", root));
		Api client1 = this.api.as(clientKey(team1));
		Api client2 = this.api.as(clientKey(team2));

		Api.Response refused = client1.post("/v1/budgets/" + team1 + "/charges", Map.of("amount", "1000000000000"));
		Api.Response forced = client1.post("/v1/budgets/" + team1 + "/charges",
				Map.of("amount", "1", "allowOverrun", true));

		assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
		assertThat(refused.text("code")).isEqualTo("OVERRUN_LIMIT_EXCEEDED");
		// Default ratio 1: 10.00 of room, so at most 20.00 (the root's 200 is looser).
		assertThat(refused.text("maxCharge")).isEqualTo("20.00");
		assertThat(forced.status()).isEqualTo(403);
		assertReconciled(team1, "0", "0");
		assertReconciled(root, "0", "0");
		assertThat(this.jdbc.sql("SELECT count(*) FROM charges WHERE root_id = :root")
			.param("root", root)
			.query(Long.class)
			.single()).isZero();
		Api.Response sibling = client2.post("/v1/reservations", Map.of("budgetId", team2, "amount", "9"));
		assertThat(sibling.status()).as(sibling.toString()).isEqualTo(201);
		assertLedgerReconciled();
	}

	@Test
	void aClientChargesUpToOnePlusTheRatioTimesItsRoomFlaggedOverLimit() {
		UUID root = createBudget(Map.of("limit", "100", "mode", "HARD"));
		UUID team = createBudget(Map.of("limit", "10", "mode", "HARD", "parentId", root, "maxOverrunRatio", "0.5"));
		reserveAllowed(team, "6.00");
		Api client = this.api.as(clientKey(team));

		// 4.00 of room, ratio 0.5: at most 6.00.
		Api.Response tooMuch = client.post("/v1/budgets/" + team + "/charges", Map.of("amount", "6.01"));
		Api.Response charged = client.post("/v1/budgets/" + team + "/charges", Map.of("amount", "6.00"));
		// Now the budget is past its limit: no room, no absolute maxOverrun, so not a
		// cent more.
		Api.Response exhausted = client.post("/v1/budgets/" + team + "/charges", Map.of("amount", "0.01"));

		assertThat(tooMuch.status()).as(tooMuch.toString()).isEqualTo(422);
		assertThat(tooMuch.text("maxCharge")).isEqualTo("6.00");
		assertThat(charged.status()).as(charged.toString()).isEqualTo(201);
		assertThat(charged.json().get("overLimit").asBoolean()).isTrue();
		assertThat(charged.json().get("capped").asBoolean()).isFalse();
		assertThat(charged.text("available")).isEqualTo("-2.00");
		assertThat(exhausted.status()).isEqualTo(422);
		assertThat(exhausted.text("maxCharge")).isEqualTo("0.00");
		assertReconciled(team, "6.00", "6.00");
		assertReconciled(root, "6.00", "6.00");
		assertLedgerReconciled();
	}

	@Test
	void withMaxOverrunAClientBooksUpToItPastAnExhaustedBudgetAndCapIsRecorded() {
		UUID root = createBudget(Map.of("limit", "100"));
		UUID team = createBudget(Map.of("limit", "10", "mode", "HARD", "parentId", root, "maxOverrun", "3"));
		UUID capped = createBudget(
				Map.of("limit", "10", "mode", "HARD", "parentId", root, "maxOverrun", "1", "overrunAction", "CAP"));
		assertThat(this.api.post("/v1/budgets/" + team + "/charges", Map.of("amount", "10")).status()).isEqualTo(201);
		assertThat(this.api.post("/v1/budgets/" + capped + "/charges", Map.of("amount", "10")).status()).isEqualTo(201);

		Api.Response within = this.api.as(clientKey(team))
			.post("/v1/budgets/" + team + "/charges", Map.of("amount", "3"));
		// 3.00 past the limit already: maxOverrun bounds the budget's overrun in all, not
		// each charge.
		Api.Response past = this.api.as(clientKey(team))
			.post("/v1/budgets/" + team + "/charges", Map.of("amount", "0.01"));
		Api.Response cap = this.api.as(clientKey(capped))
			.post("/v1/budgets/" + capped + "/charges", Map.of("amount", "2.50"));

		assertThat(within.status()).as(within.toString()).isEqualTo(201);
		assertThat(within.json().get("overLimit").asBoolean()).isTrue();
		assertThat(within.text("available")).isEqualTo("-3.00");
		assertThat(past.status()).isEqualTo(422);
		assertThat(cap.status()).as(cap.toString()).isEqualTo(201);
		assertThat(cap.text("amount")).isEqualTo("1.00");
		assertThat(cap.json().get("capped").asBoolean()).isTrue();
		assertThat(cap.text("requested")).isEqualTo("2.50");
		assertThat(this.jdbc.sql("SELECT requested_amount FROM charges WHERE id = :id")
			.param("id", UUID.fromString(cap.text("id")))
			.query(java.math.BigDecimal.class)
			.single()).isEqualByComparingTo("2.50");
		JsonNode event = this.api.get("/v1/events?type=budget.charged&budgetId=" + capped).json().get("items").get(1);
		assertThat(event.get("data").get("capped").asBoolean()).isTrue();
		assertReconciled(team, "13.00", "0");
		assertReconciled(capped, "11.00", "0");
		assertReconciled(root, "24.00", "0");
		assertLedgerReconciled();
	}

	@Test
	void anAdminBooksPastAnything() {
		UUID root = createBudget(Map.of("limit", "100", "mode", "HARD", "maxOverrunRatio", "0"));
		UUID team = createBudget(Map.of("limit", "10", "mode", "HARD", "parentId", root, "maxOverrunRatio", "0"));

		Api.Response admin = this.api.post("/v1/budgets/" + team + "/charges", Map.of("amount", "500"));
		Api.Response forced = this.api.post("/v1/budgets/" + team + "/charges",
				Map.of("amount", "1", "allowOverrun", true));

		assertThat(admin.status()).as(admin.toString()).isEqualTo(201);
		assertThat(admin.json().get("overLimit").asBoolean()).isTrue();
		assertThat(admin.json().get("capped").asBoolean()).isFalse();
		assertThat(forced.status()).isEqualTo(201);
		assertReconciled(team, "501", "0");
		assertReconciled(root, "501", "0");
		assertLedgerReconciled();
	}

	@Test
	void badInputChangesNothing() {
		UUID budget = createBudget("10");

		List<Map<String, Object>> bad = List.of(Map.of(), Map.of("amount", -1), Map.of("amount", "abc"),
				Map.of("amount", "1", "currency", "EUR"),
				Map.of("model", "no-such-model", "inputTokens", 1, "outputTokens", 1), Map.of("model", "gpt-4o"),
				Map.of("amount", "1", "model", "gpt-4o", "inputTokens", 1, "outputTokens", 1),
				Map.of("inputTokens", 10, "outputTokens", 10), Map.of("amount", "1", "reason", "x".repeat(501)));
		for (Map<String, Object> body : bad) {
			// Off the contract: some of these (an amount that is no number) the contract
			// itself rules out.
			Api.Response refused = this.api.offContract().post("/v1/budgets/" + budget + "/charges", body);
			assertThat(refused.status()).as(body + " -> " + refused).isBetween(400, 422);
			assertThat(refused.contentType()).startsWith("application/problem+json");
		}

		assertReconciled(budget, "0", "0");
		assertThat(journalSize(budget)).isEqualTo(1);
		assertThat(this.jdbc.sql("SELECT count(*) FROM charges WHERE budget_id = :id")
			.param("id", budget)
			.query(Long.class)
			.single()).isZero();
	}

}
