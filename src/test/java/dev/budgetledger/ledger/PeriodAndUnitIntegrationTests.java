package dev.budgetledger.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/** Periods that reset lazily, rollover, token budgets and token kinds priced apart. */
class PeriodAndUnitIntegrationTests extends IntegrationTest {

	@Test
	void aDailyBudgetStartsAgainFromZeroAndKeepsThePastPeriod() {
		UUID budget = createBudget(Map.of("limit", "5.00", "period", "DAILY", "maxCallsPerPeriod", 10));
		settle(reserveAllowed(budget, "4.00"), Map.of("amount", "4.00"));
		assertThat(reserve(budget, "2.00").status()).isEqualTo(402);
		Instant firstStart = Instant.parse(budget(budget).text("periodStart"));

		this.clock.advance(Duration.ofDays(1));
		Api.Response next = reserve(budget, "2.00");

		assertThat(next.status()).isEqualTo(201);
		Api.Response after = budget(budget);
		assertThat(after.text("spent")).isEqualTo("0.00");
		assertThat(after.json().get("callsInPeriod").asLong()).isEqualTo(1);
		assertThat(Instant.parse(after.text("periodStart"))).isEqualTo(firstStart.plus(Duration.ofDays(1)));
		JsonNode closed = this.api.get("/v1/budgets/" + budget + "/periods").json().get("items");
		assertThat(closed.size()).isEqualTo(1);
		assertThat(closed.get(0).get("spent").asString()).isEqualTo("4.00");
		assertThat(closed.get(0).get("calls").asLong()).isEqualTo(1);
		assertThat(Instant.parse(closed.get(0).get("start").asString())).isEqualTo(firstStart);
		assertReconciled(budget, "0", "2.00");
	}

	@Test
	void anHourlyBudgetStartsAgainEveryHour() {
		UUID budget = createBudget(Map.of("limit", "1.00", "period", "HOURLY"));
		settle(reserveAllowed(budget, "1.00"), Map.of("amount", "1.00"));
		assertThat(reserve(budget, "0.10").status()).isEqualTo(402);
		Instant firstStart = Instant.parse(budget(budget).text("periodStart"));
		assertThat(Instant.parse(budget(budget).text("periodEnd"))).isEqualTo(firstStart.plus(Duration.ofHours(1)));

		this.clock.advance(Duration.ofHours(1));

		assertThat(reserve(budget, "0.10").status()).isEqualTo(201);
		Api.Response after = budget(budget);
		assertThat(after.text("period")).isEqualTo("HOURLY");
		assertThat(after.text("spent")).isEqualTo("0.00");
		assertThat(Instant.parse(after.text("periodStart"))).isEqualTo(firstStart.plus(Duration.ofHours(1)));
		assertThat(
				this.api.get("/v1/budgets/" + budget + "/periods").json().get("items").get(0).get("spent").asString())
			.isEqualTo("1.00");
		assertReconciled(budget, "0", "0.10");
	}

	@Test
	void aHoldSpanningTheBoundaryIsChargedInThePeriodItIsSettledIn() {
		UUID budget = createBudget(Map.of("limit", "5.00", "period", "DAILY"));
		UUID hold = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "3.00", "ttlSeconds", 86400))
			.text("id")
			.transform(UUID::fromString);
		this.clock.advance(Duration.ofDays(1));

		settle(hold, Map.of("amount", "2.50"));

		Api.Response after = budget(budget);
		assertThat(after.text("spent")).isEqualTo("2.50");
		JsonNode closed = this.api.get("/v1/budgets/" + budget + "/periods").json().get("items");
		assertThat(closed.get(0).get("spent").asString()).isEqualTo("0.00");
		assertThat(closed.get(0).get("reservedAtClose").asString()).isEqualTo("3.00");
		assertReconciled(budget, "2.50", "0");
	}

	@Test
	void rolloverCarriesUnusedBudgetUpToTheCap() {
		UUID budget = createBudget(
				Map.of("limit", "10.00", "period", "MONTHLY", "rollover", true, "rolloverCap", "4.00"));
		settle(reserveAllowed(budget, "7.00"), Map.of("amount", "7.00"));

		this.clock.advance(Duration.ofDays(32));
		Api.Response first = reserve(budget, "0.01");
		assertThat(first.status()).isEqualTo(201);
		assertThat(budget(budget).text("carriedOver")).isEqualTo("3.00");
		assertThat(budget(budget).text("available")).isEqualTo("12.99");

		this.clock.advance(Duration.ofDays(32));
		reserve(budget, "0.01");
		assertThat(budget(budget).text("carriedOver")).isEqualTo("4.00");
		List<String> resets = this.jdbc.sql(
				"SELECT carried_over_after::text FROM journal_entries WHERE budget_id = :id AND kind = 'PERIOD_RESET' ORDER BY id")
			.param("id", budget)
			.query(String.class)
			.list();
		assertThat(resets).hasSize(2);
		JsonNode entries = this.api.get("/v1/budgets/" + budget + "/entries").json().get("items");
		assertThat(entries.findValuesAsString("carriedOver")).containsExactly("3.00", "4.00");
		assertLedgerReconciled();
	}

	@Test
	void aTokenBudgetUnderADollarBudgetCountsEachInItsOwnUnit() {
		String model = "unit-model-" + UUID.randomUUID();
		this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", "2", "outputPerMillion", "10", "currency", "USD"));
		UUID org = createBudget("1.00");
		UUID workflow = createBudget(Map.of("limit", 5000, "unit", "TOKENS", "parentId", org));

		Api.Response reserved = this.api.post("/v1/reservations",
				Map.of("budgetId", workflow, "model", model, "inputTokens", 1000, "maxOutputTokens", 3000));
		Api.Response tooMany = this.api.post("/v1/reservations",
				Map.of("budgetId", workflow, "model", model, "inputTokens", 1000, "maxOutputTokens", 1001));

		assertThat(reserved.status()).isEqualTo(201);
		assertThat(reserved.json().get("tokens").asLong()).isEqualTo(4000);
		assertThat(reserved.text("available")).isEqualTo("1000");
		assertThat(budget(workflow).text("reserved")).isEqualTo("4000");
		assertThat(budget(org).text("reserved")).isEqualTo("0.032");
		assertThat(tooMany.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(tooMany.text("limitingBudgetId")).isEqualTo(workflow.toString());
		assertThat(tooMany.text("unit")).isEqualTo("TOKENS");

		settle(UUID.fromString(reserved.text("id")), Map.of("inputTokens", 1000, "outputTokens", 500));

		assertReconciled(workflow, "1500", "0");
		JsonNode entries = this.api.get("/v1/budgets/" + workflow + "/entries").json().get("items");
		assertThat(entries.get(entries.size() - 1).get("spentDelta").asString()).isEqualTo("1500");
		assertThat(budget(workflow).text("timezone")).isEqualTo("UTC");
		assertReconciled(org, "0.007", "0");
		Api.Response amountOnly = reserve(workflow, "0.01");
		assertThat(amountOnly.status()).isEqualTo(400);
		assertThat(amountOnly.text("code")).isEqualTo("TOKENS_REQUIRED");
	}

	@Test
	void cachedAndReasoningTokensArePricedAsTheProviderBillsThem() {
		String model = "cache-model-" + UUID.randomUUID();
		Api.Response price = this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", "3", "outputPerMillion", "15", "currency", "USD", "cacheReadPerMillion",
						"0.30", "cacheWritePerMillion", "3.75", "reasoningPerMillion", "20"));
		UUID budget = createBudget("1.00");

		Api.Response reserved = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", model, "inputTokens", 1000, "maxOutputTokens", 1000));
		Api.Response settled = settle(UUID.fromString(reserved.text("id")), Map.of("inputTokens", 100, "outputTokens",
				200, "cacheReadTokens", 800, "cacheWriteTokens", 100, "reasoningTokens", 300));

		assertThat(price.text("cacheWritePerMillion")).isEqualTo("3.75");
		// Worst case: input at the cache-write price, output at the reasoning price.
		assertThat(reserved.text("amount")).isEqualTo("0.02375");
		// 100*3 + 200*15 + 800*0.30 + 100*3.75 + 300*20 = 9915 per million.
		assertThat(settled.text("charged")).isEqualTo("0.009915");
		assertThat(settled.json().get("chargedTokens").asLong()).isEqualTo(1500);
		assertReconciled(budget, "0.009915", "0");
	}

	@Test
	void periodBoundariesFollowTheBudgetsTimeZone() {
		UUID budget = createBudget(Map.of("limit", "1", "period", "DAILY", "timezone", "Asia/Tokyo"));

		Instant start = Instant.parse(budget(budget).text("periodStart"));

		assertThat(start.atZone(java.time.ZoneId.of("Asia/Tokyo")).toLocalTime())
			.isEqualTo(java.time.LocalTime.MIDNIGHT);
		assertThat(Instant.parse(budget(budget).text("periodEnd"))).isEqualTo(start.plus(Duration.ofDays(1)));
		assertThat(this.api.post("/v1/budgets", Map.of("name", "x", "limit", "1", "timezone", "Mars/Olympus"))
			.text("code")).isEqualTo("VALIDATION_FAILED");
	}

}
