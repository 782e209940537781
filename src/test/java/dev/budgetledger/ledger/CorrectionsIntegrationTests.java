package dev.budgetledger.ledger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ADMIN corrects a settled charge with a reason: the SETTLE stays, an ADJUST entry on
 * every money budget of the chain moves spent, and the correction is evented, audited,
 * reconciled and reported.
 */
class CorrectionsIntegrationTests extends IntegrationTest {

	@Test
	void anAdminReversesASettlementAndEverythingKnowsIt() {
		UUID root = createBudget("100");
		UUID team = createBudget(Map.of("limit", "10", "parentId", root));
		UUID hold = reserveAllowed(team, "2.00");
		assertThat(settle(hold, Map.of("amount", "1.50")).status()).isEqualTo(200);

		Api.Response reversed = this.api.post("/v1/reservations/" + hold + "/adjust",
				Map.of("charged", "0", "reason", "duplicate charge, ticket 4711"));

		assertThat(reversed.status()).as(reversed.toString()).isEqualTo(200);
		assertThat(reversed.text("charged")).isEqualTo("1.50");
		assertThat(reversed.text("adjustment")).isEqualTo("-1.50");
		assertThat(reversed.text("netCharged")).isEqualTo("0.00");
		assertReconciled(team, "0", "0");
		assertReconciled(root, "0", "0");
		List<String> kinds = this.jdbc
			.sql("SELECT kind FROM journal_entries WHERE reservation_id = :id AND budget_id = :team ORDER BY id")
			.param("id", hold)
			.param("team", team)
			.query(String.class)
			.list();
		assertThat(kinds).containsExactly("RESERVE", "SETTLE", "ADJUST");
		JsonNode adjust = this.api.get("/v1/budgets/" + team + "/entries")
			.json()
			.get("items")
			.valueStream()
			.filter(entry -> entry.get("kind").asString().equals("ADJUST"))
			.findFirst()
			.orElseThrow();
		assertThat(adjust.get("kind").asString()).isEqualTo("ADJUST");
		assertThat(adjust.get("spentDelta").asString()).isEqualTo("-1.50");
		assertThat(adjust.get("note").asString()).isEqualTo("duplicate charge, ticket 4711");
		JsonNode event = this.api.get("/v1/events?type=reservation.adjusted&budgetId=" + team)
			.json()
			.get("items")
			.get(0);
		assertThat(event.get("data").get("change").asString()).isEqualTo("-1.50");
		assertThat(event.get("data").get("reason").asString()).isEqualTo("duplicate charge, ticket 4711");
		Api.Response audit = this.api.get("/v1/audit?targetId=" + hold);
		assertThat(audit.body()).contains("RESERVATION_ADJUST").contains("ticket 4711");
		assertThat(this.api.get("/v1/budgets/" + team + "/usage").json().get("total").get("spend").asString())
			.isEqualTo("0.00");
		assertLedgerReconciled();

		// The same correction again changes nothing; raising the charge books the
		// difference.
		Api.Response again = this.api.post("/v1/reservations/" + hold + "/adjust",
				Map.of("charged", "0", "reason", "duplicate charge, ticket 4711"));
		assertThat(again.status()).isEqualTo(200);
		assertThat(journalSize(team)).isEqualTo(4);
		Api.Response raised = this.api.post("/v1/reservations/" + hold + "/adjust",
				Map.of("charged", "2.25", "reason", "the provider's invoice says 2.25"));
		assertThat(raised.text("netCharged")).isEqualTo("2.25");
		assertReconciled(root, "2.25", "0");
		assertLedgerReconciled();
	}

	@Test
	void onlyAnAdminCorrectsAndOnlyASettledChargeWithinWhatThePeriodSpent() {
		UUID budget = createBudget(Map.of("limit", "10", "period", "DAILY"));
		UUID held = reserveAllowed(budget, "1.00");
		Map<String, Object> reverse = Map.of("charged", "0", "reason", "refund");

		Api.Response notSettled = this.api.post("/v1/reservations/" + held + "/adjust", reverse);
		assertThat(notSettled.status()).isEqualTo(409);
		assertThat(notSettled.text("code")).isEqualTo("RESERVATION_NOT_SETTLED");
		settle(held, Map.of("amount", "1.00"));
		Api.Response asClient = this.api.as(clientKey(budget)).post("/v1/reservations/" + held + "/adjust", reverse);
		assertThat(asClient.status()).isEqualTo(403);
		assertThat(this.api.offContract().post("/v1/reservations/" + held + "/adjust", Map.of("charged", "0")).status())
			.isEqualTo(400);

		// A day later spent starts from zero: reversing yesterday's charge would take it
		// below.
		this.clock.advance(Duration.ofDays(1));
		reserveAllowed(budget, "0.10");
		Api.Response belowZero = this.api.post("/v1/reservations/" + held + "/adjust", reverse);
		assertThat(belowZero.status()).as(belowZero.toString()).isEqualTo(400);
		assertThat(reservation(held).text("netCharged")).isEqualTo("1.00");
		assertLedgerReconciled();
	}

}
