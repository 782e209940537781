package dev.budgetledger.events;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** Events are written with the change that causes them, exactly when it commits. */
class EventsIntegrationTests extends IntegrationTest {

	private List<String> types(UUID budget) {
		JsonNode items = this.api.get("/v1/events?budgetId=" + budget).json().get("items");
		List<String> types = new ArrayList<>();
		items.forEach(item -> types.add(item.get("type").asString()));
		return types;
	}

	@Test
	void aReservationThatCrossesAThresholdAndExhaustsTheBudgetIsReportedOnce() {
		UUID budget = createBudget(Map.of("limit", "1.00", "thresholds", List.of("0.5")));

		reserveAllowed(budget, "0.60");
		reserveAllowed(budget, "0.40");

		assertThat(types(budget)).containsExactly("budget.threshold_crossed", "budget.exhausted");
		JsonNode crossed = this.api.get("/v1/events?budgetId=" + budget + "&type=budget.threshold_crossed")
			.json()
			.get("items")
			.get(0);
		assertThat(crossed.get("data").get("threshold").asString()).isEqualTo("0.5");
		assertThat(crossed.get("data").get("limit").asString()).isEqualTo("1.00");
		assertThat(crossed.get("reservationId")).isNotNull();
	}

	@Test
	void eventFiguresAreWrittenAsTheApiWritesAmounts() {
		UUID budget = createBudget(Map.of("limit", "10.00", "thresholds", List.of("1")));
		settle(reserveAllowed(budget, "6"), Map.of("amount", "6.4"));
		reserveAllowed(budget, "1.25");
		this.clock.advance(Duration.ofSeconds(601));
		expireAllDue();
		reserveAllowed(budget, "3.6");
		reserve(budget, "1");

		assertThat(data(budget, "reservation.overrun")).containsEntry("amount", "6.00")
			.containsEntry("charged", "6.40")
			.containsEntry("overrun", "0.40");
		assertThat(data(budget, "reservation.expired")).containsEntry("amount", "1.25");
		assertThat(data(budget, "budget.exhausted")).containsEntry("limit", "10.00").containsEntry("available", "0.00");
		assertThat(data(budget, "reservation.denied")).containsEntry("requested", "1.00")
			.containsEntry("available", "0.00");
	}

	private Map<String, String> data(UUID budget, String type) {
		JsonNode event = this.api.get("/v1/events?budgetId=" + budget + "&type=" + type).json().get("items").get(0);
		Map<String, String> data = new java.util.TreeMap<>();
		event.get("data").properties().forEach(field -> data.put(field.getKey(), field.getValue().asString()));
		return data;
	}

	@Test
	void aRolledBackReservationEmitsNothing() {
		UUID budget = createBudget(Map.of("limit", "1.00", "thresholds", List.of("0.5")));

		Api.Response dryRun = this.api.post("/v1/decisions", Map.of("budgetId", budget, "amount", "1.00"));

		assertThat(dryRun.text("decision")).isEqualTo("ALLOW");
		assertThat(types(budget)).isEmpty();
	}

	@Test
	void deniesAreReportedAtMostOncePerMinutePerBudget() {
		UUID budget = createBudget("1.00");

		reserve(budget, "2");
		reserve(budget, "2");
		reserve(budget, "2");
		this.clock.advance(Duration.ofMinutes(2));
		reserve(budget, "2");

		assertThat(types(budget)).containsExactly("reservation.denied", "reservation.denied");
		assertThat(budget(budget).json().get("deniedCount").asLong()).isEqualTo(4);
	}

	@Test
	void overrunsExpiriesFreezesAndPeriodResetsAreReported() {
		UUID budget = createBudget(Map.of("limit", "10.00", "period", "DAILY", "thresholds", List.of("1")));
		settle(reserveAllowed(budget, "1.00"), Map.of("amount", "1.50"));
		reserveAllowed(budget, "1.00");
		this.clock.advance(Duration.ofSeconds(601));
		expireAllDue();
		this.api.post("/v1/budgets/" + budget + "/freeze", Map.of("reason", "test"));
		this.api.post("/v1/budgets/" + budget + "/unfreeze", "");
		this.clock.advance(Duration.ofDays(1));
		reserveAllowed(budget, "1.00");

		// Whether 1.50 of 10.00 projects exhaustion depends on the time of day the suite
		// runs at; that event has
		// tests of its own (ProjectedExhaustionIntegrationTests).
		assertThat(types(budget)).filteredOn(type -> !type.equals("budget.projected_exhaustion"))
			.containsExactly("reservation.overrun", "reservation.expired", "budget.frozen", "budget.unfrozen",
					"budget.period_reset");
	}

	@Test
	void closingAndReopeningABudgetAreReportedOnceEach() {
		UUID budget = createBudget("1.00");

		assertThat(this.api.post("/v1/budgets/" + budget + "/close", "").status()).isEqualTo(200);
		// Closing a closed budget, or reopening an open one, changes nothing: no event.
		this.api.post("/v1/budgets/" + budget + "/close", "");
		assertThat(this.api.post("/v1/budgets/" + budget + "/reopen", "").status()).isEqualTo(200);
		this.api.post("/v1/budgets/" + budget + "/reopen", "");

		assertThat(types(budget)).containsExactly("budget.closed", "budget.reopened");
		JsonNode closed = this.api.get("/v1/events?budgetId=" + budget + "&type=budget.closed")
			.json()
			.get("items")
			.get(0);
		assertThat(closed.get("budgetId").asString()).isEqualTo(budget.toString());
	}

	@Test
	void theFeedIsReadOnwardsFromAPosition() {
		UUID budget = createBudget("1.00");
		this.api.post("/v1/budgets/" + budget + "/freeze", Map.of("reason", "one"));
		this.api.post("/v1/budgets/" + budget + "/unfreeze", "");

		JsonNode first = this.api.get("/v1/events?budgetId=" + budget + "&limit=1").json();
		JsonNode rest = this.api.get("/v1/events?budgetId=" + budget + "&after=" + first.get("next").asLong()).json();

		assertThat(first.get("items").get(0).get("type").asString()).isEqualTo("budget.frozen");
		assertThat(rest.get("items").size()).isEqualTo(1);
		assertThat(rest.get("items").get(0).get("type").asString()).isEqualTo("budget.unfrozen");
		assertThat(this.api.get("/v1/events?type=nonsense").status()).isEqualTo(400);
	}

	@Test
	void theNewestComeFirstWhenAskedAndPageBackwards() {
		UUID budget = createBudget("1.00");
		this.api.post("/v1/budgets/" + budget + "/freeze", Map.of("reason", "one"));
		this.api.post("/v1/budgets/" + budget + "/unfreeze", "");
		this.api.post("/v1/budgets/" + budget + "/freeze", Map.of("reason", "two"));
		String newest = "/v1/events?budgetId=" + budget + "&order=newest&limit=2";

		JsonNode first = this.api.get(newest).json();
		JsonNode rest = this.api.get(newest + "&before=" + first.get("next").asLong()).json();
		JsonNode none = this.api.get(newest + "&before=" + rest.get("next").asLong()).json();

		assertThat(first.get("items")).extracting(item -> item.get("data").path("reason").asString(""))
			.containsExactly("two", "");
		assertThat(first.get("items").get(0).get("position").asLong())
			.isGreaterThan(first.get("items").get(1).get("position").asLong());
		assertThat(rest.get("items")).extracting(item -> item.get("data").get("reason").asString())
			.containsExactly("one");
		assertThat(none.get("items").isEmpty()).isTrue();
		assertThat(none.get("next").asLong()).isEqualTo(rest.get("next").asLong());
		assertThat(this.api.offContract().get("/v1/events?order=sideways").status()).isEqualTo(400);
		assertThat(this.api.get("/v1/events?before=5").status()).isEqualTo(400);
	}

	@Autowired
	DataSource dataSource;

	/**
	 * Transactions commit in their own order, not in the order they took event ids: a
	 * reader's cursor must not pass an event that commits after a later one was read.
	 * Here event A (on one child) is written by a transaction left open, event B (a
	 * freeze of its sibling) by one that commits; B is not on the feed until A's
	 * transaction ends, and then both are, A first. (Before V25 the feed answered B at
	 * once, the cursor passed A's id, and A was never seen.)
	 */
	@Test
	void aCursorNeverPassesAnEventWhoseTransactionIsStillOpen() throws Exception {
		UUID root = createBudget("10.00");
		UUID first = createBudget(Map.of("name", "first", "parentId", root, "limit", "1.00"));
		UUID second = createBudget(Map.of("name", "second", "parentId", root, "limit", "1.00"));
		String feed = "/v1/events?budgetId=" + root + "&after=";
		List<String> seen = new ArrayList<>();
		long cursor = 0;
		try (Connection open = this.dataSource.getConnection()) {
			open.setAutoCommit(false);
			try (PreparedStatement insert = open.prepareStatement("""
					INSERT INTO events (event_id, type, budget_id, root_id, data, created_at)
					VALUES (?, 'budget.period_reset', ?, ?, '{}', now())""")) {
				insert.setObject(1, UUID.randomUUID());
				insert.setObject(2, first);
				insert.setObject(3, root);
				insert.executeUpdate();
			}
			assertThat(this.api.post("/v1/budgets/" + second + "/freeze", Map.of("reason", "written second")).status())
				.isEqualTo(200);

			JsonNode whileOpen = this.api.get(feed + cursor).json();
			whileOpen.get("items").forEach(item -> seen.add(item.get("type").asString()));
			cursor = whileOpen.get("next").asLong();
			assertThat(seen).as("events published while an earlier writer is open").isEmpty();

			open.commit();
		}
		// Published once every transaction that began writing before the freeze has
		// ended: other tests' transactions may be open for a moment.
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (seen.size() < 2 && System.nanoTime() < deadline) {
			JsonNode page = this.api.get(feed + cursor).json();
			page.get("items").forEach(item -> seen.add(item.get("type").asString()));
			cursor = page.get("next").asLong();
			Thread.sleep(20);
		}
		assertThat(seen).containsExactly("budget.period_reset", "budget.frozen");
	}

}
