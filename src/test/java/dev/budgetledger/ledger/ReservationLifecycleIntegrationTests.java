package dev.budgetledger.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class ReservationLifecycleIntegrationTests extends IntegrationTest {

	@Autowired
	Ledger ledger;

	@Test
	void reserveAnswersAllowWithHoldExpiryAndWhatIsLeft() {
		UUID budget = createBudget("5.00");
		Instant before = this.clock.instant();

		Api.Response response = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "amount", "1.25", "ttlSeconds", 60, "metadata", Map.of("workflow", "wf-1")));

		assertThat(response.status()).isEqualTo(201);
		assertThat(response.header("Location")).hasValue("/v1/reservations/" + response.text("id"));
		assertThat(response.text("decision")).isEqualTo("ALLOW");
		assertThat(response.text("status")).isEqualTo("HELD");
		assertThat(response.text("amount")).isEqualTo("1.25");
		assertThat(response.text("available")).isEqualTo("3.75");
		assertThat(response.json().get("metadata").get("workflow").asString()).isEqualTo("wf-1");
		Instant expiresAt = Instant.parse(response.text("expiresAt"));
		assertThat(expiresAt).isBetween(before.plusSeconds(60), this.clock.instant().plusSeconds(60));
		assertReconciled(budget, "0", "1.25");
	}

	@Test
	void settleBelowTheEstimateChargesTheActualAndReleasesTheRest() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");

		Api.Response settled = settle(hold, Map.of("amount", "0.40"));

		assertThat(settled.status()).isEqualTo(200);
		assertThat(settled.text("status")).isEqualTo("SETTLED");
		assertThat(settled.text("charged")).isEqualTo("0.40");
		assertThat(settled.text("released")).isEqualTo("0.60");
		assertThat(settled.text("overrun")).isEqualTo("0.00");
		assertThat(settled.json().get("late").asBoolean()).isFalse();
		assertThat(settled.text("available")).isEqualTo("4.60");
		assertReconciled(budget, "0.40", "0");
	}

	@Test
	void settleEqualToTheEstimateReleasesNothing() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");

		Api.Response settled = settle(hold, Map.of("amount", "1"));

		assertThat(settled.text("charged")).isEqualTo("1.00");
		assertThat(settled.text("released")).isEqualTo("0.00");
		assertThat(settled.text("overrun")).isEqualTo("0.00");
		assertReconciled(budget, "1.00", "0");
	}

	@Test
	void settleAboveTheEstimateRecordsTheWholeAmountAsAnOverrun() {
		UUID budget = createBudget("1.00");
		UUID hold = reserveAllowed(budget, "0.90");

		Api.Response settled = settle(hold, Map.of("amount", "1.15"));

		assertThat(settled.status()).isEqualTo(200);
		assertThat(settled.text("charged")).isEqualTo("1.15");
		assertThat(settled.text("overrun")).isEqualTo("0.25");
		assertThat(settled.text("available")).isEqualTo("-0.15");
		assertThat(budget(budget).text("available")).isEqualTo("-0.15");
		assertReconciled(budget, "1.15", "0");
	}

	@Test
	void settleAfterTheHoldExpiredIsStillChargedAndMarkedLate() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "2.00");
		this.clock.advance(Duration.ofSeconds(601));
		expireAllDue();
		assertThat(reservation(hold).text("status")).isEqualTo("EXPIRED");
		assertReconciled(budget, "0", "0");

		Api.Response settled = settle(hold, Map.of("amount", "0.75"));

		assertThat(settled.status()).isEqualTo(200);
		assertThat(settled.text("status")).isEqualTo("SETTLED");
		assertThat(settled.json().get("late").asBoolean()).isTrue();
		assertThat(settled.text("charged")).isEqualTo("0.75");
		assertThat(settled.text("available")).isEqualTo("4.25");
		assertReconciled(budget, "0.75", "0");
	}

	@Test
	void settleOfAnOverdueHoldNotYetSweptIsLateAndReturnsTheHold() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "2.00");
		this.clock.advance(Duration.ofSeconds(601));

		Api.Response settled = settle(hold, Map.of("amount", "0.50"));

		assertThat(settled.json().get("late").asBoolean()).isTrue();
		assertThat(settled.text("released")).isEqualTo("1.50");
		assertReconciled(budget, "0.50", "0");
	}

	@Test
	void settleTwiceWithTheSameAmountAnswersTheSameAndChargesOnce() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");
		Api.Response first = settle(hold, Map.of("amount", "0.30"));
		long entries = journalSize(budget);

		Api.Response second = settle(hold, Map.of("amount", "0.300"));

		assertThat(second.status()).isEqualTo(200);
		assertThat(second.text("charged")).isEqualTo(first.text("charged"));
		assertThat(second.text("finishedAt")).isEqualTo(first.text("finishedAt"));
		assertThat(journalSize(budget)).isEqualTo(entries);
		assertReconciled(budget, "0.30", "0");
	}

	@Test
	void settleAgainWithADifferentAmountIsAConflict() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");
		settle(hold, Map.of("amount", "0.30"));

		Api.Response conflict = settle(hold, Map.of("amount", "0.31"));

		assertThat(conflict.status()).isEqualTo(409);
		assertThat(conflict.contentType()).startsWith("application/problem+json");
		assertThat(conflict.text("code")).isEqualTo("SETTLEMENT_CONFLICT");
		assertThat(conflict.text("charged")).isEqualTo("0.30");
		assertThat(conflict.text("requested")).isEqualTo("0.31");
		assertReconciled(budget, "0.30", "0");
	}

	@Test
	void releaseReturnsTheWholeHoldAndChargesNothing() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.20");

		Api.Response released = this.api.post("/v1/reservations/" + hold + "/release", "");

		assertThat(released.status()).isEqualTo(200);
		assertThat(released.text("status")).isEqualTo("RELEASED");
		assertThat(released.text("released")).isEqualTo("1.20");
		assertThat(released.text("available")).isEqualTo("5.00");
		assertReconciled(budget, "0", "0");
	}

	@Test
	void releaseTwiceChangesNothingTheSecondTime() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.20");
		this.api.post("/v1/reservations/" + hold + "/release", "");
		long entries = journalSize(budget);

		Api.Response again = this.api.post("/v1/reservations/" + hold + "/release", "");

		assertThat(again.status()).isEqualTo(200);
		assertThat(again.text("status")).isEqualTo("RELEASED");
		assertThat(journalSize(budget)).isEqualTo(entries);
		assertReconciled(budget, "0", "0");
	}

	@Test
	void settlingAReleasedReservationIsAConflict() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");
		this.api.post("/v1/reservations/" + hold + "/release", "");

		Api.Response response = settle(hold, Map.of("amount", "0.10"));

		assertThat(response.status()).isEqualTo(409);
		assertThat(response.text("code")).isEqualTo("RESERVATION_RELEASED");
		assertThat(response.text("reservationStatus")).isEqualTo("RELEASED");
		assertThat(response.json().get("status").asInt()).as("RFC 9457 status stays the HTTP status").isEqualTo(409);
		assertReconciled(budget, "0", "0");
	}

	@Test
	void releasingASettledReservationIsAConflict() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");
		settle(hold, Map.of("amount", "0.10"));

		Api.Response response = this.api.post("/v1/reservations/" + hold + "/release", "");

		assertThat(response.status()).isEqualTo(409);
		assertThat(response.text("code")).isEqualTo("RESERVATION_SETTLED");
		assertThat(response.text("reservationStatus")).isEqualTo("SETTLED");
		assertReconciled(budget, "0.10", "0");
	}

	@Test
	void extendMovesTheExpiryOfAHeldReservation() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");
		this.clock.advance(Duration.ofSeconds(500));
		Instant before = this.clock.instant();

		Api.Response extended = this.api.post("/v1/reservations/" + hold + "/extend", Map.of("ttlSeconds", 3600));

		assertThat(extended.status()).isEqualTo(200);
		assertThat(Instant.parse(extended.text("expiresAt"))).isBetween(before.plusSeconds(3600),
				this.clock.instant().plusSeconds(3600));
		this.clock.advance(Duration.ofSeconds(200));
		expireAllDue();
		assertThat(reservation(hold).text("status")).isEqualTo("HELD");
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void extendingAnExpiredReservationIsAConflict() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");
		this.clock.advance(Duration.ofSeconds(601));

		Api.Response response = this.api.post("/v1/reservations/" + hold + "/extend", Map.of("ttlSeconds", 60));

		assertThat(response.status()).isEqualTo(409);
		assertThat(response.text("code")).isEqualTo("RESERVATION_EXPIRED");
		assertThat(response.text("reservationStatus")).isEqualTo("EXPIRED");
	}

	@Test
	void aDenyHoldsNothingAndIsCounted() {
		UUID budget = createBudget("1.00");
		long entries = journalSize(budget);

		Api.Response denied = reserve(budget, "1.01");

		assertThat(denied.status()).isEqualTo(402);
		assertThat(denied.contentType()).startsWith("application/problem+json");
		assertThat(denied.text("decision")).isEqualTo("DENY");
		assertThat(denied.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(denied.text("code")).isEqualTo("RESERVATION_DENIED");
		assertThat(denied.text("budgetId")).isEqualTo(budget.toString());
		assertThat(denied.text("requested")).isEqualTo("1.01");
		assertThat(denied.text("available")).isEqualTo("1.00");
		assertThat(journalSize(budget)).isEqualTo(entries);
		assertThat(budget(budget).json().get("deniedCount").asLong()).isEqualTo(1);
		assertReconciled(budget, "0", "0");
	}

	@Test
	void reservingExactlyWhatIsAvailableIsAllowed() {
		UUID budget = createBudget("0.30");
		reserveAllowed(budget, "0.1");
		reserveAllowed(budget, "0.2");

		assertThat(budget(budget).text("available")).isEqualTo("0.00");
		assertThat(reserve(budget, "0.000000000000000001").status()).isEqualTo(402);
		assertReconciled(budget, "0", "0.3");
	}

	@Test
	void aReserveThatLacksRoomExpiresOverdueHoldsFirst() {
		UUID budget = createBudget("1.00");
		UUID stale = reserveAllowed(budget, "1.00");
		this.clock.advance(Duration.ofSeconds(601));

		Api.Response response = reserve(budget, "0.50");

		assertThat(response.status()).isEqualTo(201);
		assertThat(reservation(stale).text("status")).isEqualTo("EXPIRED");
		assertReconciled(budget, "0", "0.50");
	}

	@Test
	void amountsStayExactDownToTheSmallestFraction() {
		UUID budget = createBudget("0.3");
		UUID a = reserveAllowed(budget, "0.1");
		UUID b = reserveAllowed(budget, "0.2");
		settle(a, Map.of("amount", "0.1"));
		settle(b, Map.of("amount", "0.2"));

		assertThat(budget(budget).text("spent")).isEqualTo("0.30");
		assertThat(budget(budget).text("available")).isEqualTo("0.00");

		UUID tiny = createBudget("0.000001");
		UUID hold = reserveAllowed(tiny, "0.000000000000000001");
		Api.Response settled = settle(hold, Map.of("amount", "0.000000000000000001"));
		assertThat(settled.text("charged")).isEqualTo("0.000000000000000001");
		assertThat(budget(tiny).text("available")).isEqualTo("0.000000999999999999");
		assertReconciled(tiny, "0.000000000000000001", "0");
	}

}
