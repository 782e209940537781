package dev.budgetledger.ledger;

import dev.budgetledger.budget.BudgetNotFoundException;
import dev.budgetledger.reservation.Ask;
import dev.budgetledger.reservation.OverrunLimitExceededException;
import dev.budgetledger.reservation.ReservationStatus;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.reservation.SettleCommand;
import dev.budgetledger.reservation.Settlement;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import javax.sql.DataSource;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.idempotency.IdempotentExecutor;
import dev.budgetledger.idempotency.Sender;
import dev.budgetledger.idempotency.StoredResponse;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Coalescing of concurrent reserves on one budget tree: requests that queue while a batch
 * runs are served by the next batch, in arrival order, each with its own exact decision;
 * a request that fails does not fail its batch-mates. The queue is made deterministic by
 * holding the first request's transaction open until the others have queued behind it.
 */
class CoalescingIntegrationTests extends IntegrationTest {

	@Autowired
	Coalescer coalescer;

	@Autowired
	IdempotentExecutor idempotency;

	@Autowired
	MeterRegistry meters;

	@Autowired
	DataSource dataSource;

	private final ExecutorService threads = Executors.newCachedThreadPool();

	private final Set<LedgerBatch> batches = ConcurrentHashMap.newKeySet();

	@AfterEach
	void stopThreads() {
		this.threads.shutdownNow();
	}

	@Test
	void arrivalOrderDecidesWhoGetsTheLastRoomAndTheQueueIsServedInOneBatch() throws Exception {
		UUID budget = createBudget("1.00");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> first = blockingFirst(budget, "0.50", release);

		List<Future<ReserveOutcome>> queued = new ArrayList<>();
		for (String amount : List.of("0.30", "0.30", "0.20")) {
			queued.add(enqueue(budget, batch -> reserve(batch, budget, amount)));
		}
		release.countDown();

		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(queued.get(0).get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		ReserveOutcome second = queued.get(1).get(30, TimeUnit.SECONDS);
		assertThat(second).isInstanceOf(ReserveOutcome.Denied.class);
		assertThat(((ReserveOutcome.Denied) second).available()).isEqualByComparingTo("0.20");
		assertThat(queued.get(2).get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(this.batches).as("the first request's batch, then one batch for the three queued").hasSize(2);
		assertReconciled(budget, "0", "1.00");
		assertThat(budget(budget).json().get("deniedCount").asLong()).isEqualTo(1);
	}

	@Test
	void aRequestThatFailsAfterWritingDoesNotFailItsBatchMatesAndLeavesNothingBehind() throws Exception {
		UUID budget = createBudget("10");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> first = blockingFirst(budget, "1.00", release);

		Future<ReserveOutcome> before = enqueue(budget, batch -> reserve(batch, budget, "2.00"));
		Future<ReserveOutcome> failing = enqueue(budget, batch -> {
			reserve(batch, budget, "3.00");
			throw new IllegalStateException("the insert after the hold failed");
		});
		Future<ReserveOutcome> after = enqueue(budget, batch -> reserve(batch, budget, "4.00"));
		release.countDown();

		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(before.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(after.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThatThrownBy(() -> failing.get(30, TimeUnit.SECONDS))
			.hasRootCauseMessage("the insert after the hold failed");
		assertReconciled(budget, "0", "7.00");
		assertThat(heldAmounts(budget)).containsExactlyInAnyOrder("1", "2", "4");
	}

	@Test
	void anIdempotencyConflictInABatchFailsOnlyThatRequest() throws Exception {
		UUID budget = createBudget("10");
		String key = "coalesced-" + UUID.randomUUID();
		Api.Response stored = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
				"Idempotency-Key", key);
		assertThat(stored.status()).as(stored.toString()).isEqualTo(201);
		UUID adminKey = adminKeyId();
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> first = blockingFirst(budget, "1.00", release);

		Future<ReserveOutcome> before = enqueue(budget, batch -> reserve(batch, budget, "2.00"));
		Future<Object> reused = enqueue(budget,
				batch -> this.idempotency.executeInTransaction(Sender.of(adminKey, "ADMIN", null), key, "POST",
						"/v1/reservations", Map.of("budgetId", budget, "amount", "9.00"),
						() -> StoredResponse.of(201, reserve(batch, budget, "9.00"))));
		Future<ReserveOutcome> after = enqueue(budget, batch -> reserve(batch, budget, "3.00"));
		release.countDown();

		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(before.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(after.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThatThrownBy(() -> reused.get(30, TimeUnit.SECONDS)).cause()
			.isInstanceOfSatisfying(ApiException.class,
					ex -> assertThat(ex.problem()).isEqualTo(ProblemType.IDEMPOTENCY_KEY_REUSED));
		assertReconciled(budget, "0", "7.00");
	}

	@Test
	void aRefusedRequestIsAnsweredAloneWhileItsBatchCommitsOnceWithoutIt() throws Exception {
		UUID budget = createBudget("10");
		UUID elsewhere = createBudget("10");
		UUID hold = reserveAllowed(budget, "1.00");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> first = blockingFirst(budget, "1.00", release);

		Future<ReserveOutcome> before = enqueue(budget, batch -> reserve(batch, budget, "2.00"));
		Future<ReserveOutcome> outOfScope = enqueue(budget, batch -> batch.reserve(command(budget, "1.00"), elsewhere));
		Future<Settlement> conflict = enqueueSettle(budget, hold, "5.00");
		Future<ReserveOutcome> after = enqueue(budget, batch -> reserve(batch, budget, "3.00"));
		release.countDown();

		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(before.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(after.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThatThrownBy(() -> outOfScope.get(30, TimeUnit.SECONDS)).cause()
			.isInstanceOf(BudgetNotFoundException.class);
		assertThatThrownBy(() -> conflict.get(30, TimeUnit.SECONDS)).cause()
			.isInstanceOf(OverrunLimitExceededException.class);
		// One batch for the leader, one for the four queued: the refused two rolled
		// nothing back, nobody ran again.
		assertThat(this.batches).hasSize(2);
		assertReconciled(budget, "0", "7.00");
	}

	@Test
	void aBatchThatTimesOutOnTheLockFailsEveryMemberOnceInsteadOfWaitingAgainForEach() throws Exception {
		UUID parent = createBudget("100");
		UUID leaf = createBudget(Map.of("name", "leaf", "limit", "10", "parentId", parent));
		// Through the coalescer: from now on it knows the leaf's root, so the leaf's
		// requests queue in the parent's
		// lane, behind a batch that locks only the parent's row.
		reserveAllowed(leaf, "1.00");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> first = blockingFirst(parent, "1.00", release);
		List<Future<ReserveOutcome>> queued = new ArrayList<>();
		for (String amount : List.of("1.00", "2.00", "3.00")) {
			queued.add(enqueue(leaf, batch -> reserve(batch, leaf, amount)));
		}
		// Another transaction locks the leaf's row, which nobody holds yet, and keeps it
		// past the service's 2 s lock
		// timeout. The queued batch starts only once it has the lock, so it cannot get
		// there first.
		CountDownLatch locked = new CountDownLatch(1);
		CountDownLatch unlock = new CountDownLatch(1);
		Future<?> holder = this.threads.submit(() -> {
			try (Connection connection = this.dataSource.getConnection()) {
				connection.setAutoCommit(false);
				try (Statement statement = connection.createStatement()) {
					statement.executeQuery("SELECT id FROM budgets WHERE id = '" + leaf + "' FOR UPDATE").close();
				}
				locked.countDown();
				await(unlock);
				connection.commit();
			}
			return null;
		});
		assertThat(locked.await(30, TimeUnit.SECONDS)).as("the leaf's row is locked").isTrue();
		release.countDown();
		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);

		Set<Throwable> failures = ConcurrentHashMap.newKeySet();
		for (Future<ReserveOutcome> member : queued) {
			assertThatThrownBy(() -> member.get(30, TimeUnit.SECONDS)).cause().satisfies(cause -> {
				assertThat(Coalescer.sharedByTheBatch(cause)).as(cause.toString()).isTrue();
				failures.add(cause);
			});
		}
		unlock.countDown();
		holder.get(30, TimeUnit.SECONDS);

		// The batch's one lock timeout answered all three; run alone, each would have
		// waited out its own in turn.
		assertThat(failures).hasSize(1);
		assertReconciled(leaf, "0", "1.00");
		assertReconciled(parent, "0", "2.00");
	}

	@Test
	void settlesAndReservesQueuedTogetherAreServedInOneBatchInArrivalOrder() throws Exception {
		UUID budget = createBudget("10");
		UUID first = reserveAllowed(budget, "2.00");
		UUID second = reserveAllowed(budget, "2.00");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> leader = blockingFirst(budget, "1.00", release);

		Future<Settlement> overrun = enqueueSettle(budget, first, "3.00");
		Future<Settlement> again = enqueueSettle(budget, first, "3.00");
		Future<ReserveOutcome> fits = enqueue(budget, batch -> reserve(batch, budget, "4.00"));
		Future<ReserveOutcome> late = enqueue(budget, batch -> reserve(batch, budget, "0.01"));
		release.countDown();

		assertThat(leader.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		Settlement settled = overrun.get(30, TimeUnit.SECONDS);
		assertThat(settled.reservation().status()).isEqualTo(ReservationStatus.SETTLED);
		assertThat(settled.available()).isEqualByComparingTo("4.00");
		Settlement replayed = again.get(30, TimeUnit.SECONDS);
		assertThat(replayed.reservation().charged()).isEqualByComparingTo("3.00");
		assertThat(fits.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(late.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Denied.class);
		assertThat(this.batches).as("the leader's batch, then one batch for the four queued").hasSize(2);
		assertThat(reservation(second).text("status")).isEqualTo("HELD");
		assertReconciled(budget, "3.00", "7.00");
	}

	@Test
	void aTreeWhoseBatchStallsHoldsUpOnlyItselfNotTheOtherTreesOfItsLane() throws Exception {
		UUID stalled = createBudget("10");
		UUID other = createBudget("10");
		while (!this.coalescer.shareALane(stalled, other)) {
			other = createBudget("10");
		}
		double besideBefore = this.meters.get("budget_ledger.batch.beside").counter().count();
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> first = blockingFirst(stalled, "1.00", release);
		Future<ReserveOutcome> sameTree = enqueue(stalled, batch -> reserve(batch, stalled, "2.00"));

		UUID otherTree = other;
		Future<ReserveOutcome> otherTreeReserve = this.threads
			.submit(() -> this.coalescer.reserve(otherTree, batch -> reserve(batch, otherTree, "3.00")));

		// Served in a batch beside the stalled one, while that one still holds its
		// transaction open.
		assertThat(otherTreeReserve.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(first.isDone()).isFalse();
		assertThat(sameTree.isDone()).as("the stalled tree's next request waits for its tree's batch").isFalse();
		assertThat(this.meters.get("budget_ledger.batch.beside").counter().count()).isEqualTo(besideBefore + 1);
		assertReconciled(otherTree, "0", "3.00");

		release.countDown();
		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(sameTree.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertReconciled(stalled, "0", "3.00");
	}

	@Test
	void requestsOfDifferentTreesQueuedInALaneShareOneTransactionAndOneCommit() throws Exception {
		UUID stalled = createBudget("10");
		UUID beside = sameLane(stalled);
		UUID one = sameLane(stalled);
		UUID other = sameLane(stalled);
		// The lane's two batches are both kept running: the first on its own tree, the
		// second beside it.
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> first = blockingFirst(stalled, "1.00", release);
		CountDownLatch besideInside = new CountDownLatch(1);
		CountDownLatch besideRelease = new CountDownLatch(1);
		Future<ReserveOutcome> besideReserve = this.threads.submit(() -> this.coalescer.reserve(beside, batch -> {
			ReserveOutcome outcome = reserve(batch, beside, "1.00");
			besideInside.countDown();
			await(besideRelease);
			return outcome;
		}));
		assertThat(besideInside.await(30, TimeUnit.SECONDS)).isTrue();
		Map<UUID, LedgerBatch> servedIn = new ConcurrentHashMap<>();
		Future<ReserveOutcome> oneReserve = enqueue(one, batch -> {
			servedIn.put(one, batch);
			return reserve(batch, one, "2.00");
		});
		Future<ReserveOutcome> otherReserve = enqueue(other, batch -> {
			servedIn.put(other, batch);
			return reserve(batch, other, "3.00");
		});

		besideRelease.countDown();

		assertThat(oneReserve.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(otherReserve.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(servedIn.get(one)).as("two trees, one batch: one transaction, one commit")
			.isSameAs(servedIn.get(other));
		assertThat(besideReserve.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		release.countDown();
		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertReconciled(one, "0", "2.00");
		assertReconciled(other, "0", "3.00");
	}

	/** A new root budget whose requests queue in the same lane as {@code root}'s. */
	private UUID sameLane(UUID root) {
		UUID budget = createBudget("10");
		while (!this.coalescer.shareALane(root, budget)) {
			budget = createBudget("10");
		}
		return budget;
	}

	@Test
	void concurrentReserveSettleCyclesOnOneBudgetStayExact() throws Exception {
		UUID budget = createBudget("1000");

		List<Integer> statuses = Concurrently.run(100, 16, i -> {
			Api.Response held = reserve(budget, "1.00");
			if (held.status() != 201) {
				return held.status();
			}
			return settle(UUID.fromString(held.text("id")), Map.of("amount", "0.25")).status();
		});

		assertThat(statuses).containsOnly(200).hasSize(100);
		assertReconciled(budget, "25.00", "0");
		assertThat(journalSize(budget)).isEqualTo(1 + 200);
	}

	@Test
	void twoHundredConcurrentReservesOnFiveDollarsAllowExactlyFiftyInBatches() throws Exception {
		UUID budget = createBudget("5.00");
		DistributionSummary sizes = this.meters.get("budget_ledger.batch.size").summary();
		long batchesBefore = sizes.count();
		double reservesBefore = sizes.totalAmount();

		List<Integer> statuses = Concurrently.run(200, 32, i -> reserve(budget, "0.10").status());

		assertThat(statuses).filteredOn(s -> s == 201).hasSize(50);
		assertThat(statuses).filteredOn(s -> s == 402).hasSize(150);
		assertThat(sizes.count()).as("batches of more than one reserve").isGreaterThan(batchesBefore);
		assertThat(sizes.totalAmount() - reservesBefore).as("reserves served in batches").isGreaterThan(1);
		assertThat(budget(budget).json().get("deniedCount").asLong()).isEqualTo(150);
		assertThat(journalSize(budget)).isEqualTo(1 + 50);
		assertReconciled(budget, "0", "5.00");
	}

	@Test
	void aReserveThatExpiresOverdueHoldsInABatchDecidesOnTheHoldsBeforeIt() throws Exception {
		UUID budget = createBudget("1.10");
		holdThenLetItBecomeOverdue(budget, "0.50");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> leader = blockingFirst(budget, "0.10", release);

		Future<ReserveOutcome> first = enqueue(budget, batch -> reserve(batch, budget, "0.40"));
		// 0.50 fits only once the overdue 0.50 is expired: this reserve expires it and
		// reads the balances back from
		// the database, which must hold the 0.40 before it, or the next one would be let
		// through too.
		Future<ReserveOutcome> second = enqueue(budget, batch -> reserve(batch, budget, "0.50"));
		Future<ReserveOutcome> third = enqueue(budget, batch -> reserve(batch, budget, "0.50"));
		release.countDown();

		assertThat(leader.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(second.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		ReserveOutcome last = third.get(30, TimeUnit.SECONDS);
		assertThat(last).isInstanceOf(ReserveOutcome.Denied.class);
		assertThat(((ReserveOutcome.Denied) last).available()).isEqualByComparingTo("0.10");
		assertThat(this.batches).as("the leader's batch, then one for the three queued").hasSize(2);
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void aSettleRepeatedAfterAnInlineExpiryInItsBatchChargesOnce() throws Exception {
		UUID budget = createBudget("1.00");
		UUID hold = reserveAllowed(budget, "0.40");
		holdThenLetItBecomeOverdue(budget, "0.50");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> leader = blockingFirst(budget, "0.05", release);

		// Lacks room until it expires the overdue 0.50; from then on the batch reads
		// reservations again from the
		// database, which must already show the first settle when the second one reads
		// it.
		Future<ReserveOutcome> expiring = enqueue(budget, batch -> reserve(batch, budget, "0.50"));
		Future<Settlement> settled = enqueueSettle(budget, hold, "0.30");
		Future<Settlement> again = enqueueSettle(budget, hold, "0.30");
		release.countDown();

		assertThat(leader.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(expiring.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(settled.get(30, TimeUnit.SECONDS).reservation().charged()).isEqualByComparingTo("0.30");
		assertThat(again.get(30, TimeUnit.SECONDS).reservation().charged()).isEqualByComparingTo("0.30");
		assertThat(this.batches).as("the leader's batch, then one for the three queued").hasSize(2);
		assertThat(this.jdbc.sql("SELECT count(*) FROM journal_entries WHERE reservation_id = :id AND kind = 'SETTLE'")
			.param("id", hold)
			.query(Long.class)
			.single()).isEqualTo(1);
		assertReconciled(budget, "0.30", "0.55");
	}

	@Test
	void theJournalKeepsArrivalOrderWhenAnOverrunFollowsAReserveInItsBatch() throws Exception {
		UUID budget = createBudget("10");
		UUID hold = reserveAllowed(budget, "5.00");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> leader = blockingFirst(budget, "1.00", release);

		// Fills the budget exactly, then a settle charges 1.00 over its hold: legal for a
		// settle, and the journal
		// must show the reserve before it, not after.
		Future<ReserveOutcome> filling = enqueue(budget, batch -> reserve(batch, budget, "4.00"));
		Future<Settlement> overrun = enqueueSettle(budget, hold, "6.00");
		release.countDown();

		assertThat(leader.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(filling.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		assertThat(overrun.get(30, TimeUnit.SECONDS).reservation().charged()).isEqualByComparingTo("6.00");
		assertThat(this.jdbc.sql("""
				SELECT kind || ' ' || trim_scale(amount) FROM journal_entries
				WHERE budget_id = :id AND reservation_id IS NOT NULL ORDER BY id""")
			.param("id", budget)
			.query(String.class)
			.list()).containsExactly("RESERVE 5", "RESERVE 1", "RESERVE 4", "SETTLE 6");
		assertThat(this.reconciliation.check()).filteredOn(found -> budget.equals(found.budgetId())).isEmpty();
	}

	@Test
	void aBatchWritesEachOfItsBudgetRowsOnceWhateverItsSize() throws Exception {
		UUID parent = createBudget("100");
		UUID leaf = createBudget(Map.of("name", "leaf", "limit", "50", "parentId", parent));
		UUID first = reserveAllowed(leaf, "2.00");
		UUID second = reserveAllowed(leaf, "2.00");
		CountDownLatch release = new CountDownLatch(1);
		Future<ReserveOutcome> leader = blockingFirst(leaf, "1.00", release);
		Map<String, Long> before = new ConcurrentHashMap<>();
		Map<String, Long> written = new ConcurrentHashMap<>();

		List<Future<?>> queued = List.of(enqueue(leaf, batch -> {
			// Runs first in the batch, before it writes anything. PostgreSQL's
			// per-transaction counts may include
			// what earlier transactions on the same connection did, so the batch's writes
			// are a difference.
			before.putAll(rowsWrittenInThisTransaction());
			return reserve(batch, leaf, "1.00");
		}), enqueueSettle(leaf, first, "1.50"), enqueue(leaf, batch -> reserve(batch, leaf, "1.00")),
				enqueueSettle(leaf, second, "3.00"), enqueue(leaf, batch -> {
					// Runs last; what the batch wrote is read just before it commits.
					TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
						@Override
						public void beforeCommit(boolean readOnly) {
							rowsWrittenInThisTransaction()
								.forEach((table, rows) -> written.put(table, rows - before.get(table)));
						}
					});
					return reserve(batch, leaf, "1.00");
				}));
		release.countDown();

		assertThat(leader.get(30, TimeUnit.SECONDS)).isInstanceOf(ReserveOutcome.Allowed.class);
		for (Future<?> request : queued) {
			assertThat(request.get(30, TimeUnit.SECONDS)).isNotNull();
		}
		assertThat(this.batches).as("the leader's batch, then one for the five queued").hasSize(2);
		assertThat(written).as("two settles and three reserves on a chain of two budgets")
			.containsEntry("budgets updated", 2L)
			.containsEntry("reservations inserted", 3L)
			.containsEntry("reservations updated", 2L)
			.containsEntry("journal_entries inserted", 10L);
		assertReconciled(leaf, "4.50", "4.00");
		assertReconciled(parent, "4.50", "4.00");
		assertThat(this.reconciliation.check())
			.filteredOn(found -> leaf.equals(found.budgetId()) || parent.equals(found.budgetId()))
			.isEmpty();
	}

	/**
	 * Rows this transaction has inserted and updated so far, by table (PostgreSQL counts
	 * them per transaction).
	 */
	private Map<String, Long> rowsWrittenInThisTransaction() {
		Map<String, Long> rows = new HashMap<>();
		this.jdbc.sql("""
				SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables
				WHERE schemaname = current_schema() AND relname IN ('budgets', 'reservations', 'journal_entries')""")
			.query(rs -> {
				rows.put(rs.getString(1) + " inserted", rs.getLong(2));
				rows.put(rs.getString(1) + " updated", rs.getLong(3));
			});
		return rows;
	}

	/**
	 * Holds {@code amount} for 30 s, then moves the clock a minute on: the hold is
	 * overdue, not yet expired.
	 */
	private void holdThenLetItBecomeOverdue(UUID budget, String amount) {
		assertThat(this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", amount, "ttlSeconds", 30))
			.status()).isEqualTo(201);
		this.clock.advance(Duration.ofMinutes(1));
	}

	/**
	 * Starts a reserve that becomes its lane's leader and keeps its transaction open
	 * until {@code release}.
	 */
	private Future<ReserveOutcome> blockingFirst(UUID budget, String amount, CountDownLatch release) throws Exception {
		CountDownLatch inside = new CountDownLatch(1);
		Future<ReserveOutcome> first = this.threads.submit(() -> this.coalescer.reserve(budget, batch -> {
			this.batches.add(batch);
			ReserveOutcome outcome = batch.reserve(command(budget, amount), null);
			inside.countDown();
			await(release);
			return outcome;
		}));
		assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
		return first;
	}

	/**
	 * Queues a reserve behind the running batch, and waits until it is queued, so arrival
	 * order is known.
	 */
	private <T> Future<T> enqueue(UUID budget, Function<LedgerBatch, T> work) throws Exception {
		int waiting = this.coalescer.waiting(budget);
		Future<T> future = this.threads.submit(() -> this.coalescer.reserve(budget, batch -> {
			this.batches.add(batch);
			return work.apply(batch);
		}));
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (this.coalescer.waiting(budget) == waiting && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(this.coalescer.waiting(budget)).isEqualTo(waiting + 1);
		return future;
	}

	private Future<Settlement> enqueueSettle(UUID budget, UUID hold, String amount) throws Exception {
		int waiting = this.coalescer.waiting(budget);
		Future<Settlement> future = this.threads.submit(() -> this.coalescer.settle(hold, batch -> {
			this.batches.add(batch);
			return batch.settle(new SettleCommand(hold, new BigDecimal(amount), null, null), null);
		}));
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (this.coalescer.waiting(budget) == waiting && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
		assertThat(this.coalescer.waiting(budget)).as("queued in the budget's lane").isEqualTo(waiting + 1);
		return future;
	}

	private static ReserveOutcome reserve(LedgerBatch batch, UUID budget, String amount) {
		return batch.reserve(command(budget, amount), null);
	}

	private static ReserveCommand command(UUID budget, String amount) {
		return new ReserveCommand(budget, new Ask("USD", List.of(Ask.Option.amount(new BigDecimal(amount))), null),
				Duration.ofMinutes(10), Map.of());
	}

	private List<String> heldAmounts(UUID budget) {
		return this.jdbc
			.sql("SELECT trim_scale(amount)::text FROM reservations WHERE budget_id = :id AND status = 'HELD'")
			.param("id", budget)
			.query(String.class)
			.list();
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
