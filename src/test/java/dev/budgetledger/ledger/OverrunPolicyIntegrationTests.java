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
 * A settle is bounded like a card capture against its authorization: by default it may
 * charge at most twice its hold; beyond the ceiling of any budget of its chain it is
 * refused (or capped, as that budget says), and only an ADMIN key can book more on
 * purpose.
 */
class OverrunPolicyIntegrationTests extends IntegrationTest {

	@Test
	void aClientCannotSettleATinyHoldForATrillionAndExhaustTheSharedRoot() {
		UUID root = createBudget("1000");
		UUID team1 = createBudget(Map.of("limit", "500", "parentId", root));
		UUID team2 = createBudget(Map.of("limit", "500", "parentId", root));
		Api client1 = this.api.as(clientKey(team1));
		Api client2 = this.api.as(clientKey(team2));
		UUID hold = UUID
			.fromString(client1.post("/v1/reservations", Map.of("budgetId", team1, "amount", "0.01")).text("id"));

		Api.Response refused = client1.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "1000000000000"));

		assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
		assertThat(refused.contentType()).startsWith("application/problem+json");
		assertThat(refused.text("code")).isEqualTo("OVERRUN_LIMIT_EXCEEDED");
		assertThat(refused.text("maxCharge")).isEqualTo("0.02");
		assertThat(refused.body()).doesNotContain(root.toString());
		assertThat(reservation(hold).text("status")).isEqualTo("HELD");
		assertReconciled(root, "0", "0.01");
		assertThat(client2.post("/v1/reservations", Map.of("budgetId", team2, "amount", "400")).status())
			.isEqualTo(201);

		Api.Response withinCeiling = client1.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "0.02"));
		assertThat(withinCeiling.status()).as(withinCeiling.toString()).isEqualTo(200);
		assertThat(withinCeiling.text("overrun")).isEqualTo("0.01");
		assertThat(withinCeiling.json().get("overrunCapped").asBoolean()).isFalse();
		assertReconciled(root, "0.02", "400");
		assertLedgerReconciled();
	}

	@Test
	void theTightestCeilingOfTheChainApplies() {
		UUID root = createBudget(Map.of("limit", "100", "maxOverrunRatio", "0.1"));
		UUID leaf = createBudget(Map.of("limit", "50", "parentId", root, "maxOverrunRatio", "5"));
		UUID hold = reserveAllowed(leaf, "1.00");

		assertThat(settle(hold, Map.of("amount", "1.11")).status()).isEqualTo(422);
		Api.Response settled = settle(hold, Map.of("amount", "1.10"));

		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
		assertReconciled(root, "1.10", "0");
	}

	@Test
	void anAbsoluteCeilingBoundsLargeHoldsAndZeroAllowsNoOverrunAtAll() {
		UUID budget = createBudget(Map.of("limit", "1000", "maxOverrun", "5"));
		UUID large = reserveAllowed(budget, "100");
		assertThat(settle(large, Map.of("amount", "105.01")).text("code")).isEqualTo("OVERRUN_LIMIT_EXCEEDED");
		assertThat(settle(large, Map.of("amount", "105")).status()).isEqualTo(200);

		UUID strict = createBudget(Map.of("limit", "10", "maxOverrunRatio", "0"));
		UUID exact = reserveAllowed(strict, "1");
		assertThat(settle(exact, Map.of("amount", "1.000000000000000001")).status()).isEqualTo(422);
		assertThat(settle(exact, Map.of("amount", "1")).status()).isEqualTo(200);
		assertLedgerReconciled();
	}

	@Test
	void aCappingBudgetChargesTheCeilingAndRecordsWhatWasAsked() {
		UUID budget = createBudget(
				Map.of("limit", "100", "maxOverrunRatio", "0.5", "maxOverrun", "0.10", "overrunAction", "CAP"));
		Api client = this.api.as(clientKey(budget));
		UUID hold = UUID
			.fromString(client.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00")).text("id"));

		Api.Response settled = client.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "50"));

		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
		assertThat(settled.text("charged")).isEqualTo("1.10");
		assertThat(settled.text("claimed")).isEqualTo("50.00");
		assertThat(settled.json().get("overrunCapped").asBoolean()).isTrue();
		assertReconciled(budget, "1.10", "0");
		// A retry of the same settle is answered again; another amount is a conflict, as
		// ever.
		Api.Response again = client.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "50"));
		assertThat(again.status()).isEqualTo(200);
		assertThat(again.text("charged")).isEqualTo("1.10");
		assertThat(client.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "1.10")).status())
			.isEqualTo(409);
		String event = this.jdbc
			.sql("SELECT data::text FROM events WHERE reservation_id = :id AND type = 'reservation.overrun'")
			.param("id", hold)
			.query(String.class)
			.single();
		assertThat(event).contains("\"capped\": true").contains("\"claimed\": \"50.00\"");
		assertLedgerReconciled();
	}

	@Test
	void onlyAnAdminMaySettleBeyondTheCeilingOnPurpose() {
		UUID budget = createBudget("10");
		Api client = this.api.as(clientKey(budget));
		UUID hold = reserveAllowed(budget, "1.00");
		Map<String, Object> forced = new HashMap<>(Map.of("amount", "30", "allowOverrun", true));

		Api.Response refused = client.post("/v1/reservations/" + hold + "/settle", forced);
		assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
		assertThat(refused.text("code")).isEqualTo("FORBIDDEN");
		assertThat(settle(hold, Map.of("amount", "30")).status()).isEqualTo(422);

		Api.Response booked = settle(hold, forced);
		assertThat(booked.status()).as(booked.toString()).isEqualTo(200);
		assertThat(booked.text("charged")).isEqualTo("30.00");
		assertReconciled(budget, "30.00", "0");
		assertThat(this.jdbc
			.sql("SELECT data->>'forced' FROM events WHERE reservation_id = :id AND type = 'reservation.overrun'")
			.param("id", hold)
			.query(String.class)
			.single()).isEqualTo("true");
	}

	@Test
	void aLateSettlementIsBoundedByTheHoldItHad() {
		UUID budget = createBudget("10");
		UUID hold = reserveAllowed(budget, "1.00");
		this.clock.advance(java.time.Duration.ofHours(1));
		expireAllDue();

		assertThat(settle(hold, Map.of("amount", "2.01")).status()).isEqualTo(422);
		Api.Response late = settle(hold, Map.of("amount", "2.00"));
		assertThat(late.status()).as(late.toString()).isEqualTo(200);
		assertThat(late.json().get("late").asBoolean()).isTrue();
		assertReconciled(budget, "2.00", "0");
	}

	@Test
	void thePolicyIsShownAndPatchedLikeTheOtherCaps() {
		UUID budget = createBudget("10");
		Api.Response created = budget(budget);
		assertThat(created.text("maxOverrunRatio")).isEqualTo("1");
		assertThat(created.json().has("maxOverrun")).isFalse();
		assertThat(created.text("overrunAction")).isEqualTo("REJECT");

		Api.Response patched = this.api.patch("/v1/budgets/" + budget,
				Map.of("maxOverrunRatio", "0.25", "maxOverrun", "2", "overrunAction", "CAP"));
		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
		assertThat(patched.text("maxOverrunRatio")).isEqualTo("0.25");
		assertThat(patched.text("maxOverrun")).isEqualTo("2.00");
		assertThat(patched.text("overrunAction")).isEqualTo("CAP");

		Map<String, Object> removeAbsolute = new HashMap<>();
		removeAbsolute.put("maxOverrun", null);
		assertThat(this.api.patch("/v1/budgets/" + budget, removeAbsolute).json().has("maxOverrun")).isFalse();
		Map<String, Object> nullRatio = new HashMap<>();
		nullRatio.put("maxOverrunRatio", null);
		assertThat(this.api.offContract().patch("/v1/budgets/" + budget, nullRatio).status()).isEqualTo(400);
		assertThat(this.api.offContract().patch("/v1/budgets/" + budget, Map.of("maxOverrunRatio", "-1")).status())
			.isEqualTo(400);
		assertThat(this.api.as(clientKey(budget))
			.patch("/v1/budgets/" + budget, Map.of("maxOverrunRatio", "100"))
			.status()).isEqualTo(403);
		assertThat(List.of(budget(budget).text("maxOverrunRatio"))).containsExactly("0.25");
	}

}
