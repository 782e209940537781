package dev.budgetledger.journal;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import dev.budgetledger.journal.Reconciliation.Discrepancy;
import dev.budgetledger.journal.Reconciliation.Invariant;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checker must find every kind of broken invariant: each test corrupts a consistent
 * ledger with plain SQL, the way a bug or a hand edit would, and shows the checker names
 * the damage. The corruption runs in a transaction that is rolled back, so no other test
 * ever sees it. The legitimate ways past a HARD limit (overruns, late settlements, a
 * lowered limit, a SOFT period) must not be reported.
 */
class ReconciliationIntegrationTests extends IntegrationTest {

	@Autowired
	TransactionTemplate transactions;

	@Test
	void overrunsLateSettlementsLoweredLimitsAndSoftPeriodsAreNotViolations() {
		UUID budget = createBudget(Map.of("limit", "10", "mode", "SOFT"));
		reserveAllowed(budget, "12");
		assertThat(this.api.patch("/v1/budgets/" + budget, Map.of("mode", "HARD")).status()).isEqualTo(200);
		UUID overrun = reserveAllowed(createBudget("10"), "1");
		assertThat(settle(overrun, Map.of("amount", "30", "allowOverrun", true)).status()).isEqualTo(200);
		UUID lowered = createBudget("10");
		reserveAllowed(lowered, "8");
		assertThat(this.api.patch("/v1/budgets/" + lowered, Map.of("limit", "5")).status()).isEqualTo(200);
		assertThat(reserve(lowered, "0.5").status()).isEqualTo(402);
		UUID late = reserveAllowed(createBudget("1"), "1");
		this.clock.advance(java.time.Duration.ofHours(1));
		expireAllDue();
		assertThat(settle(late, Map.of("amount", "1")).status()).isEqualTo(200);

		assertThat(this.reconciliation.check()).isEmpty();
		assertThat(journalKinds(budget)).containsExactly("OPEN", "RESERVE", "MODE_CHANGE", "EXPIRE");
	}

	@Test
	void aHoldChangedBehindTheLedgersBackBreaksHoldsAndReservationState() {
		UUID budget = createBudget("10");
		UUID reservation = reserveAllowed(budget, "2");

		List<Discrepancy> found = corrupted(jdbc -> jdbc.update("""
				UPDATE reservations SET status = 'RELEASED', released = amount, finished_at = now() WHERE id = ?""",
				reservation));

		assertThat(found).anySatisfy(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.HOLDS);
			assertThat(d.budgetId()).isEqualTo(budget);
			assertThat(d.problem()).contains("held reservations sum to 0");
		});
		assertThat(found).anySatisfy(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.RESERVATION_STATE);
			assertThat(d.reservationId()).isEqualTo(reservation);
			assertThat(d.problem()).isEqualTo("RELEASED with 1 RESERVE, 0 SETTLE, 0 RELEASE, 0 EXPIRE");
		});
	}

	@Test
	void aSecondTerminalMovementIsFoundEvenWhenItMovesNoMoney() {
		UUID budget = createBudget("10");
		UUID reservation = reserveAllowed(budget, "2");
		settle(reservation, Map.of("amount", "1.5"));

		List<Discrepancy> found = corrupted(jdbc -> jdbc.update("""
				INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, created_at)
				VALUES (?, ?, ?, 'RELEASE', 0, now())""", budget, budget, reservation));

		assertThat(found).singleElement().satisfies(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.RESERVATION_STATE);
			assertThat(d.problem()).isEqualTo("SETTLED with 1 RESERVE, 1 SETTLE, 1 RELEASE, 0 EXPIRE");
		});
	}

	@Test
	void aMovementOnABudgetOutsideTheChainIsFound() {
		// A sibling in the same tree: the schema's (root_id, ...) foreign keys already
		// refuse one in another tree.
		UUID root = createBudget("10");
		UUID reservation = reserveAllowed(createBudget(Map.of("limit", "10", "parentId", root)), "2");
		UUID stranger = createBudget(Map.of("limit", "10", "parentId", root));

		List<Discrepancy> found = corrupted(jdbc -> jdbc.update("""
				INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, created_at)
				VALUES (?, ?, ?, 'EXPIRE', 0, now())""", stranger, root, reservation));

		assertThat(found).singleElement().satisfies(d -> {
			assertThat(d.budgetId()).isEqualTo(stranger);
			assertThat(d.problem()).isEqualTo("journal entries on a budget outside the reservation's chain");
		});
	}

	@Test
	void aHoldSlippedPastAHardLimitIsFoundThoughEveryBalanceAgrees() {
		UUID root = createBudget("10");
		UUID leaf = createBudget(Map.of("limit", "100", "parentId", root));
		reserveAllowed(leaf, "6");

		// A second hold of 6 written completely and consistently, but without the
		// decision: 12 held on a 10 limit.
		List<Discrepancy> found = corrupted(jdbc -> {
			UUID sneaked = UUID.randomUUID();
			jdbc.update("""
					INSERT INTO reservations (id, budget_id, root_id, status, currency, amount, expires_at, created_at,
					    updated_at)
					VALUES (?, ?, ?, 'HELD', 'USD', 6, now() + interval '1 hour', now(), now())""", sneaked, leaf,
					root);
			for (UUID level : List.of(root, leaf)) {
				jdbc.update("""
						INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, reserved_delta,
						    created_at)
						VALUES (?, ?, ?, 'RESERVE', 6, 6, now())""", level, root, sneaked);
				jdbc.update("UPDATE budgets SET reserved = reserved + 6, held_count = held_count + 1 WHERE id = ?",
						level);
			}
		});

		assertThat(found).singleElement().satisfies(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.HARD_LIMIT);
			assertThat(d.budgetId()).isEqualTo(root);
			assertThat(d.problem())
				.matches("RESERVE #\\d+ took spent \\+ reserved to 12\\.0* on a HARD limit of 10\\.0*");
		});
	}

	@Test
	void aChargeBeyondItsHoldThatIsNoRecordedOverrunIsFound() {
		UUID budget = createBudget("100");
		UUID reservation = reserveAllowed(budget, "1");
		settle(reservation, Map.of("amount", "3", "allowOverrun", true));

		// The reservation claims it held all it was charged, so the SETTLE is no longer a
		// recorded overrun.
		List<Discrepancy> found = corrupted(
				jdbc -> jdbc.update("UPDATE reservations SET amount = 3 WHERE id = ?", reservation));

		assertThat(found).anySatisfy(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.HARD_LIMIT);
			assertThat(d.reservationId()).isEqualTo(reservation);
			assertThat(d.problem()).contains("neither a recorded overrun nor a late settlement");
		});
	}

	@Test
	void aCorrectionTheReservationDoesNotRecordIsFound() {
		UUID budget = createBudget("100");
		UUID reservation = reserveAllowed(budget, "2");
		settle(reservation, Map.of("amount", "2"));
		assertThat(this.api
			.post("/v1/reservations/" + reservation + "/adjust", Map.of("charged", "0.50", "reason", "partial refund"))
			.status()).isEqualTo(200);
		assertLedgerReconciled();

		List<Discrepancy> found = corrupted(
				jdbc -> jdbc.update("UPDATE reservations SET adjustment = -1 WHERE id = ?", reservation));

		assertThat(found).anySatisfy(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.RESERVATION_STATE);
			assertThat(d.reservationId()).isEqualTo(reservation);
			assertThat(d.problem()).contains("ADJUST entries moved spent by -1.5");
		});
	}

	@Test
	void aRunCounterThatDisagreesWithItsReservationsBreaksRuns() {
		UUID team = createBudget("100");
		UUID agent = createBudget(Map.of("limit", "50", "parentId", team));
		String run = "run-" + UUID.randomUUID();
		UUID settled = UUID.fromString(
				this.api.post("/v1/reservations", Map.of("budgetId", agent, "amount", "2", "runId", run)).text("id"));
		this.api.post("/v1/reservations", Map.of("budgetId", agent, "amount", "1", "runId", run));
		settle(settled, Map.of("amount", "1.5"));
		assertThat(
				this.api.post("/v1/reservations/" + settled + "/adjust", Map.of("charged", "0.25", "reason", "refund"))
					.status())
			.isEqualTo(200);
		// Held 1 plus charged 0.25 after the correction, on both levels.
		assertThat(this.jdbc.sql("SELECT sum(amount) FROM run_usage WHERE run_id = :run")
			.param("run", run)
			.query(BigDecimal.class)
			.single()).isEqualByComparingTo("2.50");
		assertLedgerReconciled();

		List<Discrepancy> found = corrupted(jdbc -> jdbc
			.update("UPDATE run_usage SET amount = amount + 1 WHERE run_id = ? AND budget_id = ?", run, team));

		assertThat(found).singleElement().satisfies(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.RUNS);
			assertThat(d.budgetId()).isEqualTo(team);
			assertThat(d.problem()).contains(run).contains("counts 2 calls and 2.25");
		});
	}

	@Test
	void aKeyThatTookEffectTwiceIsFound() {
		UUID budget = createBudget("10");
		String key = "twice-" + UUID.randomUUID();
		String other = "other-" + UUID.randomUUID();
		UUID first = UUID.fromString(reserveWithKey(budget, key).text("id"));
		UUID second = UUID.fromString(reserveWithKey(budget, other).text("id"));
		assertThat(reserveWithKey(budget, key).text("id")).isEqualTo(first.toString());
		assertThat(this.reconciliation.check()).isEmpty();

		List<Discrepancy> found = corrupted(
				jdbc -> jdbc.update("UPDATE reservations SET idempotency_key = ? WHERE id = ?", key, second));

		assertThat(found).extracting(Discrepancy::problem)
			.containsExactlyInAnyOrder(
					"Idempotency-Key " + key + " took effect 2 times: reservations "
							+ String.join(", ", sorted(first, second)),
					"Idempotency-Key " + other + " its stored answer names reservation " + second
							+ ", which it did not create");
	}

	@Test
	void aKeyThatTookEffectUnderTwoApiKeysOfOneScopeIsFoundButNotAcrossScopes() {
		UUID budget = createBudget("10");
		UUID otherTenant = createBudget("10");
		String key = "rotated-" + UUID.randomUUID();
		String rotatedOwn = "own-" + UUID.randomUUID();
		String tenantOwn = "tenant-" + UUID.randomUUID();
		UUID first = UUID.fromString(reserveWithKey(this.api.as(clientKey(budget)), budget, key).text("id"));
		UUID second = UUID.fromString(reserveWithKey(this.api.as(clientKey(budget)), budget, rotatedOwn).text("id"));
		UUID tenants = UUID
			.fromString(reserveWithKey(this.api.as(clientKey(otherTenant)), otherTenant, tenantOwn).text("id"));
		assertThat(this.reconciliation.check()).isEmpty();

		List<Discrepancy> sameScope = corrupted(
				jdbc -> jdbc.update("UPDATE reservations SET idempotency_key = ? WHERE id = ?", key, second));
		List<Discrepancy> otherScope = corrupted(
				jdbc -> jdbc.update("UPDATE reservations SET idempotency_key = ? WHERE id = ?", key, tenants));

		assertThat(sameScope).extracting(Discrepancy::problem)
			.containsExactlyInAnyOrder(
					"Idempotency-Key " + key + " took effect 2 times: reservations "
							+ String.join(", ", sorted(first, second)),
					"Idempotency-Key " + rotatedOwn + " its stored answer names reservation " + second
							+ ", which it did not create");
		// The other tenant's key space has no 'key': its reservation is no second effect
		// of it, only its own answer
		// no longer matches.
		assertThat(otherScope).extracting(Discrepancy::problem)
			.containsExactly("Idempotency-Key " + tenantOwn + " its stored answer names reservation " + tenants
					+ ", which it did not create");
	}

	@Test
	void aStoredAnswerThatNamesAnotherReservationIsFound() {
		UUID budget = createBudget("10");
		String key = "answer-" + UUID.randomUUID();
		UUID created = UUID.fromString(reserveWithKey(budget, key).text("id"));
		UUID unrelated = reserveAllowed(budget, "1");

		List<Discrepancy> found = corrupted(
				jdbc -> jdbc.update("UPDATE idempotency_keys SET location = ? WHERE idempotency_key = ?",
						"/v1/reservations/" + unrelated, key));

		assertThat(found).singleElement().satisfies(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.IDEMPOTENCY);
			assertThat(d.problem()).isEqualTo("Idempotency-Key " + key + " created reservation " + created
					+ " but its stored answer (201) does not name it");
		});
	}

	@Test
	void theAdminEndpointReportsWhatWasCheckedAndEveryInvariantBroken() {
		UUID budget = createBudget("10");
		reserveAllowed(budget, "2");

		Api.Response clean = this.api.get("/v1/admin/reconciliation");

		assertThat(clean.json().get("ok").asBoolean()).isTrue();
		assertThat(clean.json().get("checked").get("budgets").asLong()).isPositive();
		assertThat(clean.json().get("checked").get("journalEntries").asLong()).isPositive();
		assertThat(clean.json().get("discrepancies").isEmpty()).isTrue();
	}

	@Test
	void aChargePastAHardLimitReconcilesOnlyWhileFlagged() {
		UUID budget = createBudget(Map.of("limit", "1", "mode", "HARD"));
		Api.Response charged = this.api.post("/v1/budgets/" + budget + "/charges", Map.of("amount", "3"));
		assertThat(charged.json().get("overLimit").asBoolean()).isTrue();
		UUID charge = UUID.fromString(charged.text("id"));
		assertThat(this.reconciliation.check()).isEmpty();

		List<Discrepancy> found = corrupted(
				jdbc -> jdbc.update("UPDATE charges SET over_limit = false WHERE id = ?", charge));

		assertThat(found).singleElement().satisfies(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.HARD_LIMIT);
			assertThat(d.budgetId()).isEqualTo(budget);
			assertThat(d.problem()).contains("CHARGE #").contains("to 3.").contains("not flagged over the limit");
		});
	}

	@Test
	void aChargeWhoseEntriesDisagreeWithItBreaksCharge() {
		UUID root = createBudget("10");
		UUID leaf = createBudget(Map.of("limit", "5", "parentId", root));
		UUID charge = UUID
			.fromString(this.api.post("/v1/budgets/" + leaf + "/charges", Map.of("amount", "3")).text("id"));

		List<Discrepancy> changed = corrupted(
				jdbc -> jdbc.update("UPDATE charges SET amount = 4 WHERE id = ?", charge));
		List<Discrepancy> missing = corrupted(jdbc -> {
			jdbc.execute("ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_no_update_or_delete");
			jdbc.update("DELETE FROM journal_entries WHERE charge_id = ? AND budget_id = ?", charge, root);
			jdbc.update("UPDATE budgets SET spent = spent - 3 WHERE id = ?", root);
		});

		assertThat(changed).hasSize(2).allSatisfy(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.CHARGE);
			assertThat(d.problem()).contains("Charge " + charge + " charged 4.").contains("moved spent by 3.");
		});
		assertThat(changed).extracting(Discrepancy::budgetId).containsExactlyInAnyOrder(root, leaf);
		assertThat(missing).singleElement().satisfies(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.CHARGE);
			assertThat(d.budgetId()).isEqualTo(root);
			assertThat(d.problem()).contains("has no CHARGE entry");
		});
	}

	@Test
	void aResizeTheReservationDoesNotRecordBreaksReservationStateAndHolds() {
		UUID budget = createBudget("10");
		UUID reservation = reserveAllowed(budget, "2");

		// The hold grew by 1 on the budget and in the journal, but the reservation still
		// says it holds 2.
		List<Discrepancy> found = corrupted(jdbc -> {
			jdbc.update("""
					INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, reserved_delta,
					    created_at)
					VALUES (?, ?, ?, 'RESIZE', 3, 1, now())""", budget, budget, reservation);
			jdbc.update("UPDATE budgets SET reserved = reserved + 1 WHERE id = ?", budget);
		});

		assertThat(found).anySatisfy(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.RESERVATION_STATE);
			assertThat(d.reservationId()).isEqualTo(reservation);
			assertThat(d.problem()).matches("HELD with 1 RESERVE, 1 RESIZE, 0 SETTLE, 0 RELEASE, 0 EXPIRE "
					+ "\\(reserved 3\\.0*\\), but exactly one RESERVE of 2\\.0* with its RESIZEs is expected");
		});
		assertThat(found).anySatisfy(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.HOLDS);
			assertThat(d.budgetId()).isEqualTo(budget);
		});
	}

	@Test
	void aGrowthSlippedPastAHardLimitIsFoundThoughEveryBalanceAgrees() {
		UUID root = createBudget("10");
		UUID leaf = createBudget(Map.of("limit", "100", "parentId", root));
		UUID reservation = reserveAllowed(leaf, "6");

		// The hold grown from 6 to 12, written completely and consistently, but without
		// the decision.
		List<Discrepancy> found = corrupted(jdbc -> {
			jdbc.update("UPDATE reservations SET amount = 12 WHERE id = ?", reservation);
			for (UUID level : List.of(root, leaf)) {
				jdbc.update("""
						INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, reserved_delta,
						    created_at)
						VALUES (?, ?, ?, 'RESIZE', 12, 6, now())""", level, root, reservation);
				jdbc.update("UPDATE budgets SET reserved = reserved + 6 WHERE id = ?", level);
			}
		});

		assertThat(found).singleElement().satisfies(d -> {
			assertThat(d.invariant()).isEqualTo(Invariant.HARD_LIMIT);
			assertThat(d.budgetId()).isEqualTo(root);
			assertThat(d.problem())
				.matches("RESIZE #\\d+ took spent \\+ reserved to 12\\.0* on a HARD limit of 10\\.0*");
		});
	}

	private Api.Response reserveWithKey(UUID budget, String key) {
		return reserveWithKey(this.api, budget, key);
	}

	private static Api.Response reserveWithKey(Api api, UUID budget, String key) {
		Api.Response response = api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1"),
				"Idempotency-Key", key);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response;
	}

	private static List<String> sorted(UUID a, UUID b) {
		return java.util.stream.Stream.of(a, b).map(UUID::toString).sorted().toList();
	}

	private List<String> journalKinds(UUID budget) {
		return this.jdbc.sql("SELECT kind FROM journal_entries WHERE budget_id = :id ORDER BY id")
			.param("id", budget)
			.query(String.class)
			.list();
	}

	/**
	 * What the checker finds after {@code corruption}, which is rolled back afterwards.
	 */
	private List<Discrepancy> corrupted(Consumer<org.springframework.jdbc.core.JdbcTemplate> corruption) {
		List<Discrepancy> found = this.transactions.execute(status -> {
			corruption.accept(this.jdbcTemplate);
			List<Discrepancy> result = this.reconciliation.check();
			status.setRollbackOnly();
			return result;
		});
		assertThat(this.reconciliation.check()).as("rolled back").isEmpty();
		return found;
	}

	@Autowired
	org.springframework.jdbc.core.JdbcTemplate jdbcTemplate;

}
