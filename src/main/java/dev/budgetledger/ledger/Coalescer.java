package dev.budgetledger.ledger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.DatabaseFailures;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Serves concurrent reserves and settles on one budget tree together, so a hot budget (an organisation cap every
 * request touches) is locked once per batch instead of once per request.
 * <p>
 * Requests queue per lane (lanes are picked by root budget, so every leaf of a tree shares one). Whoever finds the
 * lane idle becomes its leader: it takes the queue, oldest first, at most {@code max-batch-size}, and runs one
 * transaction that locks the settles' reservations (by id), then the union of all chains once (root first, the
 * global lock order), serves each request in arrival order with the same code as a single reserve or settle
 * (each writes its own events and, through the work it was given, its idempotency record), sends the
 * reservations, journal entries (in arrival order) and net balance changes of them all in one round trip
 * ({@link LedgerWrites}), commits, and only then answers them all. Requests that arrived meanwhile wait for the
 * lane and go in the next batch. A request that finds the lane idle runs at once, as a batch of one: no timer, no
 * added latency.
 * <p>
 * If any request of a batch fails (a conflict, a failing insert, a lock timeout), the batch transaction is rolled
 * back as a whole (nothing of it was committed or answered) and each of its requests runs again alone, in its own
 * transaction: the failing one fails by itself, its batch-mates get exactly what they would have got alone.
 */
@Component
public class Coalescer {

	/** The lane caches are forgotten past this size; they only steer requests to lanes. */
	private static final int MAX_KNOWN = 100_000;

	private final Ledger ledger;

	private final TransactionTemplate transactions;

	private final CoalescingSettings settings;

	private final Lane[] lanes;

	/** Roots of leaves seen in earlier batches; a budget's root never changes. Unknown leaves use their own lane. */
	private final Map<UUID, UUID> roots = new ConcurrentHashMap<>();

	/** Roots of reservations held through this instance, so their settles join their tree's lane. */
	private final Map<UUID, UUID> holdRoots = new ConcurrentHashMap<>();

	private final DistributionSummary batchSizes;

	Coalescer(Ledger ledger, TransactionTemplate transactions, CoalescingSettings settings, MeterRegistry meters) {
		this.ledger = ledger;
		this.transactions = transactions;
		this.settings = settings;
		this.lanes = new Lane[settings.lanes()];
		for (int i = 0; i < this.lanes.length; i++) {
			this.lanes[i] = new Lane();
		}
		this.batchSizes = DistributionSummary.builder("budget_ledger.batch.size")
			.description("Reserves and settles served by one locking transaction, for batches of more than one")
			.register(meters);
	}

	/**
	 * Runs {@code work} for one reserve on {@code budgetId}, in a transaction that has locked the budget's chain,
	 * possibly together with other requests; answers what {@code work} answered, after the commit, or throws what
	 * it threw. {@code work} reserves with {@link LedgerBatch#reserve}.
	 */
	public <T> T reserve(UUID budgetId, Function<LedgerBatch, T> work) {
		return submit(new Member<>(budgetId, null, work), this.roots.getOrDefault(budgetId, budgetId));
	}

	/**
	 * As {@link #reserve}, for one settle of {@code reservationId}: {@code work} settles with
	 * {@link LedgerBatch#settle}.
	 */
	public <T> T settle(UUID reservationId, Function<LedgerBatch, T> work) {
		return submit(new Member<>(null, reservationId, work), this.holdRoots.getOrDefault(reservationId, reservationId));
	}

	private <T> T submit(Member<T> member, UUID laneKey) {
		if (!this.settings.enabled()) {
			return runAlone(member).get();
		}
		Lane lane = lane(laneKey);
		synchronized (lane) {
			lane.queue.add(member);
		}
		while (true) {
			List<Member<?>> batch = new ArrayList<>();
			synchronized (lane) {
				while (!member.done && lane.busy) {
					lane.waitForTurn();
				}
				if (member.done) {
					return member.get();
				}
				// The lane is idle and this request still waits: lead the next batch, which includes it unless the
				// queue holds more than one batch ahead of it.
				lane.busy = true;
				while (!lane.queue.isEmpty() && batch.size() < this.settings.maxBatchSize()) {
					batch.add(lane.queue.poll());
				}
			}
			try {
				run(batch);
			}
			finally {
				synchronized (lane) {
					lane.busy = false;
					lane.notifyAll();
				}
			}
		}
	}

	/** How many requests wait in the lane of this reserve's budget, not counting a running batch (for tests). */
	int waiting(UUID budgetId) {
		Lane lane = lane(this.roots.getOrDefault(budgetId, budgetId));
		synchronized (lane) {
			return lane.queue.size();
		}
	}

	private Lane lane(UUID key) {
		return this.lanes[Math.floorMod(key.hashCode(), this.lanes.length)];
	}

	private void run(List<Member<?>> batch) {
		if (batch.size() == 1) {
			runAlone(batch.get(0));
			return;
		}
		this.batchSizes.record(batch.size());
		long start = System.nanoTime();
		try {
			this.transactions.executeWithoutResult(status -> {
				Set<UUID> leaves = new LinkedHashSet<>();
				Set<UUID> holds = new LinkedHashSet<>();
				for (Member<?> member : batch) {
					if (member.budgetId != null) {
						leaves.add(member.budgetId);
					}
					if (member.reservationId != null) {
						holds.add(member.reservationId);
					}
				}
				LedgerBatch locked = this.ledger.lockForBatch(leaves, holds);
				batch.forEach(member -> member.attempt(locked));
				locked.flush();
				learn(locked, leaves);
			});
		}
		catch (RuntimeException | Error ex) {
			if (sharedByTheBatch(ex)) {
				// A lock or statement timeout or a lost connection belongs to the batch, not to one request: run alone,
				// each would wait out the lock timeout again in turn (n times the bound). All fail fast, nothing was
				// committed, and each caller retries with its key, as a lone request would.
				long took = System.nanoTime() - start;
				batch.forEach(member -> {
					time(member, took);
					member.fail(ex);
				});
				return;
			}
			// Nothing of the batch was committed: run each request alone, so only the failing one fails.
			batch.forEach(this::runAlone);
			return;
		}
		long took = System.nanoTime() - start;
		batch.forEach(member -> time(member, took));
		batch.forEach(Member::succeed);
	}

	/** Whether a batch failed for a reason every member would meet again: lock or statement timeout, lost connection. */
	static boolean sharedByTheBatch(Throwable failure) {
		return DatabaseFailures.classify(failure) != null;
	}

	private <T> Member<T> runAlone(Member<T> member) {
		long start = System.nanoTime();
		try {
			this.transactions.executeWithoutResult(status -> {
				Set<UUID> leaves = (member.budgetId != null) ? Set.of(member.budgetId) : Set.of();
				LedgerBatch locked = this.ledger.lockForBatch(leaves,
						(member.reservationId != null) ? Set.of(member.reservationId) : Set.of());
				member.attempt(locked);
				locked.flush();
				learn(locked, leaves);
			});
			time(member, System.nanoTime() - start);
			member.succeed();
		}
		catch (RuntimeException | Error ex) {
			time(member, System.nanoTime() - start);
			member.fail(ex);
		}
		return member;
	}

	private void time(Member<?> member, long nanos) {
		if (member.reservationId != null) {
			this.ledger.settleTimer().record(nanos, TimeUnit.NANOSECONDS);
		}
		if (member.budgetId != null) {
			this.ledger.reserveTimer().record(nanos, TimeUnit.NANOSECONDS);
		}
	}

	/** Remembers which lane later requests on these leaves and holds belong to (after the batch committed). */
	private void learn(LedgerBatch locked, Set<UUID> leaves) {
		if (this.roots.size() > MAX_KNOWN) {
			this.roots.clear();
		}
		if (this.holdRoots.size() > MAX_KNOWN) {
			this.holdRoots.clear();
		}
		for (UUID leaf : leaves) {
			UUID root = locked.rootOf(leaf);
			if (root != null) {
				this.roots.putIfAbsent(leaf, root);
			}
		}
		locked.holdRoots().forEach((hold, root) -> {
			if (root != null) {
				this.holdRoots.put(hold, root);
			}
			else {
				this.holdRoots.remove(hold);
			}
		});
	}

	private static final class Lane {

		final ArrayDeque<Member<?>> queue = new ArrayDeque<>();

		boolean busy;

		void waitForTurn() {
			try {
				wait();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for the ledger", ex);
			}
		}

	}

	/** One request: its work, and once its batch has committed (or it failed alone), its result. */
	private static final class Member<T> {

		final @Nullable UUID budgetId;

		final @Nullable UUID reservationId;

		final Function<LedgerBatch, T> work;

		@Nullable T pending;

		@Nullable T result;

		@Nullable Throwable failure;

		volatile boolean done;

		Member(@Nullable UUID budgetId, @Nullable UUID reservationId, Function<LedgerBatch, T> work) {
			this.budgetId = budgetId;
			this.reservationId = reservationId;
			this.work = work;
		}

		void attempt(LedgerBatch batch) {
			this.pending = this.work.apply(batch);
		}

		void succeed() {
			this.result = this.pending;
			this.done = true;
		}

		void fail(Throwable ex) {
			this.failure = ex;
			this.done = true;
		}

		@SuppressWarnings("NullAway")
		T get() {
			if (this.failure instanceof RuntimeException ex) {
				throw ex;
			}
			if (this.failure instanceof Error error) {
				throw error;
			}
			return this.result;
		}

	}

}
