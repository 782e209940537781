package dev.budgetledger.ledger;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * budget.projected_exhaustion, driven by the injected clock: each test first moves the
 * clock to one hour after the next UTC midnight, so a daily budget is one hour (1/24)
 * into its period.
 */
class ProjectedExhaustionIntegrationTests extends IntegrationTest {

	private static final String TYPE = "budget.projected_exhaustion";

	@Test
	void highSpendEarlyInThePeriodIsReportedWithItsFigures() {
		Instant dayStart = oneHourIntoTheNextDay();
		UUID budget = createBudget(Map.of("limit", "100", "period", "DAILY"));
		reserveAllowed(budget, "5");

		settle(reserveAllowed(budget, "10"), Map.of("amount", "10"));

		List<JsonNode> events = events(budget);
		assertThat(events).hasSize(1);
		JsonNode data = events.get(0).get("data");
		assertThat(data.get("unit").asString()).isEqualTo("USD");
		assertThat(data.get("limit").asString()).isEqualTo("100.00");
		assertThat(data.get("spent").asString()).isEqualTo("10.00");
		assertThat(data.get("reserved").asString()).isEqualTo("5.00");
		assertThat(data.get("available").asString()).isEqualTo("85.00");
		assertThat(data.get("periodStart").asString()).isEqualTo(dayStart.toString());
		assertThat(data.get("periodEnd").asString()).isEqualTo(dayStart.plus(Duration.ofDays(1)).toString());
		// 10 of 100 spent in the first hour: the limit is reached ten hours into the day
		// (a little later, as the
		// test itself takes some time after the clock was set).
		assertThat(Instant.parse(data.get("projectedAt").asString())).isBetween(dayStart.plus(Duration.ofHours(10)),
				dayStart.plus(Duration.ofHours(10)).plus(Duration.ofMinutes(10)));
	}

	@Test
	void aLowBurnRateIsNotReported() {
		oneHourIntoTheNextDay();
		UUID budget = createBudget(Map.of("limit", "100", "period", "DAILY"));

		settle(reserveAllowed(budget, "10"), Map.of("amount", "2"));
		settle(reserveAllowed(budget, "10"), Map.of("amount", "2"));

		assertThat(events(budget)).isEmpty();
	}

	@Test
	void itIsReportedOncePerPeriodAndAgainInTheNextOne() {
		oneHourIntoTheNextDay();
		UUID budget = createBudget(Map.of("limit", "100", "period", "DAILY"));
		settle(reserveAllowed(budget, "10"), Map.of("amount", "10"));
		settle(reserveAllowed(budget, "10"), Map.of("amount", "10"));
		settle(reserveAllowed(budget, "10"), Map.of("amount", "10"));
		assertThat(events(budget)).hasSize(1);

		this.clock.advance(Duration.ofDays(1));
		settle(reserveAllowed(budget, "10"), Map.of("amount", "1"));
		assertThat(events(budget)).hasSize(1);
		settle(reserveAllowed(budget, "10"), Map.of("amount", "10"));

		List<JsonNode> events = events(budget);
		assertThat(events).hasSize(2);
		assertThat(Instant.parse(events.get(1).get("data").get("periodStart").asString()))
			.isEqualTo(Instant.parse(events.get(0).get("data").get("periodStart").asString()).plus(Duration.ofDays(1)));
	}

	@Test
	void everyPeriodicLevelOfTheChainIsForecastButNotABudgetWithoutPeriod() {
		oneHourIntoTheNextDay();
		UUID lifetime = createBudget(Map.of("limit", "100"));
		UUID daily = createBudget(Map.of("limit", "50", "period", "DAILY", "parentId", lifetime));

		settle(reserveAllowed(daily, "10"), Map.of("amount", "10"));

		assertThat(events(daily)).hasSize(1);
		assertThat(events(lifetime)).isEmpty();
	}

	@Test
	void holdsDryRunsAndTheFirstMomentsOfAPeriodReportNothing() {
		oneHourIntoTheNextDay();
		UUID budget = createBudget(Map.of("limit", "100", "period", "DAILY"));

		assertThat(this.api.post("/v1/decisions", Map.of("budgetId", budget, "amount", "90")).text("decision"))
			.isEqualTo("ALLOW");
		reserveAllowed(budget, "90");
		assertThat(events(budget)).isEmpty();

		// Right after midnight one settlement would project anything; too early to tell.
		UUID early = createBudget(Map.of("limit", "100", "period", "DAILY"));
		this.clock.advance(Duration.ofHours(23));
		settle(reserveAllowed(early, "5"), Map.of("amount", "5"));
		assertThat(events(early)).isEmpty();
	}

	@Test
	void tokenBudgetsAreForecastInTokens() {
		oneHourIntoTheNextDay();
		UUID money = createBudget(Map.of("limit", "1000"));
		UUID tokens = createBudget(Map.of("unit", "TOKENS", "limit", "100000", "period", "DAILY", "parentId", money));
		var hold = this.api.post("/v1/reservations",
				Map.of("budgetId", tokens, "model", "gpt-4o", "inputTokens", 5000, "maxOutputTokens", 10000));
		assertThat(hold.status()).as(hold.toString()).isEqualTo(201);

		settle(UUID.fromString(hold.text("id")), Map.of("inputTokens", 5000, "outputTokens", 5000));

		List<JsonNode> events = events(tokens);
		assertThat(events).hasSize(1);
		assertThat(events.get(0).get("data").get("unit").asString()).isEqualTo("TOKENS");
		assertThat(events.get(0).get("data").get("spent").asString()).isEqualTo("10000");
		assertThat(events(money)).isEmpty();
	}

	/** Moves the clock to 01:00 UTC of the next day and answers that day's midnight. */
	private Instant oneHourIntoTheNextDay() {
		Instant now = this.clock.instant();
		Instant midnight = LocalDate.ofInstant(now, ZoneOffset.UTC)
			.plusDays(1)
			.atStartOfDay(ZoneOffset.UTC)
			.toInstant();
		this.clock.advance(Duration.between(now, midnight.plus(Duration.ofHours(1))));
		return midnight;
	}

	private List<JsonNode> events(UUID budget) {
		JsonNode page = this.api.get("/v1/events?type=" + TYPE + "&budgetId=" + budget).json();
		List<JsonNode> events = new ArrayList<>();
		page.get("items").forEach(event -> {
			if (event.get("budgetId").asString().equals(budget.toString())) {
				events.add(event);
			}
		});
		return events;
	}

}
