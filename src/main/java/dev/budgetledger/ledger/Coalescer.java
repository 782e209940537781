package dev.budgetledger.ledger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.DatabaseFailures;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Serves concurrent reserves and settles on one budget tree together, so a hot budget (an
 * organisation cap every request touches) is locked once per batch instead of once per
 * request.
 * <p>
 * Requests queue per lane (lanes are picked by root budget, so every leaf of a tree
 * shares one). Whoever finds the lane idle becomes its leader: it takes the queue, oldest
 * first, at most {@code max-batch-size}, and runs one transaction that locks the settles'
 * reservations (by id), then the union of all chains once (root first, the global lock
 * order), serves each request in arrival order with the same code as a single reserve or
 * settle (each writes its own events and, through the work it was given, its idempotency
 * record), sends the reservations, journal entries (in arrival order) and net balance
 * changes of them all in one round trip ({@link LedgerWrites}), commits, and only then
 * answers them all. Requests that arrived meanwhile wait for the lane and go in the next
 * batch. A request that finds the lane idle runs at once, as a batch of one: no timer, no
 * added latency.
 * <p>
 * A batch that waits for a lock (a budget being changed, the expiry sweep, another
 * instance's batch on the same tree) would hold up every tree of its lane. So once the
 * lane's running batch has run for {@code stall-after} (10 ms), a waiting request of
 * another tree leads a second batch beside it, of the oldest queued requests whose trees
 * the running batch does not hold; requests of the stalled tree stay queued, in order,
 * for their tree's next batch. At most two batches run per lane. This is safe for the
 * reason several instances are: every transaction locks rows in the global order, so two
 * batches that touch one tree (a leaf whose root this instance has not learned yet has a
 * lane key of its own) only wait for each other.
 * <p>
 * A request the ledger refuses (a missing or out-of-scope id, a conflict, a refused
 * overrun: a 4xx error, raised before the request writes anything) is answered with its
 * error and the batch goes on without it, so a tenant sending invalid requests cannot
 * make another's batch roll back. If a request of a batch fails otherwise (a failing
 * insert, a lock timeout), the batch transaction is rolled back as a whole (nothing of it
 * was committed or answered) and each of its requests runs again alone, in its own
 * transaction: the failing one fails by itself, its batch-mates get exactly what they
 * would have got alone.
 */
@Component
public class Coalescer {

	/**
	 * The lane caches are forgotten past this size; they only steer requests to lanes.
	 */
	private static final int MAX_KNOWN = 100_000;

	private final Ledger ledger;

	private final TransactionTemplate transactions;

	private final CoalescingSettings settings;

	private final Lane[] lanes;

	/**
	 * Roots of leaves seen in earlier batches; a budget's root never changes. Unknown
	 * leaves use their own lane.
	 */
	private final Map<UUID, UUID> roots = new ConcurrentHashMap<>();

	/**
	 * Roots of reservations held through this instance, so their settles join their
	 * tree's lane.
	 */
	private final Map<UUID, UUID> holdRoots = new ConcurrentHashMap<>();

	private final DistributionSummary batchSizes;

	private final Counter besideBatches;

	/** {@code stall-after}, in nanoseconds. */
	private final long stallNanos;

	Coalescer(Ledger ledger, TransactionTemplate transactions, CoalescingSettings settings, MeterRegistry meters) {
		this.ledger = ledger;
		this.transactions = transactions;
		this.settings = settings;
		this.stallNanos = settings.stallAfter().toNanos();
		this.lanes = new Lane[settings.lanes()];
		for (int i = 0; i < this.lanes.length; i++) {
			this.lanes[i] = new Lane();
		}
		this.batchSizes = DistributionSummary.builder("budget_ledger.batch.size")
			.description("Reserves and settles served by one locking transaction, for batches of more than one")
			.register(meters);
		this.besideBatches = Counter.builder("budget_ledger.batch.beside")
			.description(
					"Batches started beside a lane's batch that had run for stall-after (likely waiting for a lock)")
			.register(meters);
	}

	/**
	 * Runs {@code work} for one reserve on {@code budgetId}, in a transaction that has
	 * locked the budget's chain, possibly together with other requests; answers what
	 * {@code work} answered, after the commit, or throws what it threw. {@code work}
	 * reserves with {@link LedgerBatch#reserve}.
	 */
	public <T> T reserve(UUID budgetId, Function<LedgerBatch, T> work) {
		return submit(new Member<>(budgetId, null, this.roots.getOrDefault(budgetId, budgetId), work));
	}

	/**
	 * As {@link #reserve}, for one settle of {@code reservationId}: {@code work} settles
	 * with {@link LedgerBatch#settle}.
	 */
	public <T> T settle(UUID reservationId, Function<LedgerBatch, T> work) {
		return submit(
				new Member<>(null, reservationId, this.holdRoots.getOrDefault(reservationId, reservationId), work));
	}

	private <T> T submit(Member<T> member) {
		if (!this.settings.enabled()) {
			return runAlone(member).get();
		}
		Lane lane = lane(member.laneKey);
		synchronized (lane) {
			lane.queue.add(member);
		}
		while (true) {
			Batch batch;
			synchronized (lane) {
				while (true) {
					if (member.done) {
						return member.get();
					}
					// Lead the next batch if the lane is idle (the batch includes this
					// request unless the queue holds
					// more than one batch ahead of it), or a batch beside a stalled one.
					batch = lane.lead(member, this.settings.maxBatchSize(), this.stallNanos);
					if (batch != null) {
						break;
					}
					lane.waitForTurn(member, this.stallNanos);
				}
			}
			if (batch.beside) {
				this.besideBatches.increment();
			}
			try {
				run(batch.members);
			}
			finally {
				synchronized (lane) {
					lane.finish(batch);
					lane.notifyAll();
				}
			}
		}
	}

	/**
	 * How many requests wait in the lane of this reserve's budget, not counting a running
	 * batch (for tests).
	 */
	int waiting(UUID budgetId) {
		Lane lane = lane(this.roots.getOrDefault(budgetId, budgetId));
		synchronized (lane) {
			return lane.queue.size();
		}
	}

	/** Whether requests on these two root budgets queue in the same lane (for tests). */
	boolean shareALane(UUID oneRoot, UUID otherRoot) {
		return lane(oneRoot) == lane(otherRoot);
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
				batch.forEach(member -> member.attemptInBatch(locked));
				locked.flush();
				learn(locked, leaves);
			});
		}
		catch (RuntimeException | Error ex) {
			if (sharedByTheBatch(ex)) {
				// A lock or statement timeout or a lost connection belongs to the batch,
				// not to one request: run alone,
				// each would wait out the lock timeout again in turn (n times the bound).
				// All fail fast, nothing was
				// committed, and each caller retries with its key, as a lone request
				// would.
				long took = System.nanoTime() - start;
				batch.forEach(member -> {
					time(member, took);
					member.fail(ex);
				});
				return;
			}
			// Nothing of the batch was committed: run each request alone, so only the
			// failing one fails.
			batch.forEach(this::runAlone);
			return;
		}
		long took = System.nanoTime() - start;
		batch.forEach(member -> time(member, took));
		batch.forEach(Member::settle);
	}

	/**
	 * Whether a batch failed for a reason every member would meet again: lock or
	 * statement timeout, lost connection.
	 */
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

	/**
	 * Remembers which lane later requests on these leaves and holds belong to (after the
	 * batch committed).
	 */
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

	/**
	 * A queue of requests and the batches running from it: normally one at a time; when
	 * every running batch has run for {@code stall-after} (it most likely waits for a
	 * lock), one more, of requests whose trees none of them holds.
	 */
	private static final class Lane {

		/**
		 * A stalled batch and one beside it: the rest of the lane moves on while one tree
		 * waits for its lock.
		 */
		static final int MAX_RUNNING = 2;

		final ArrayDeque<Member<?>> queue = new ArrayDeque<>();

		final List<Batch> running = new ArrayList<>(MAX_RUNNING);

		/**
		 * The batch {@code member} may lead now, under this lane's monitor, or null: the
		 * oldest queued requests if the lane is idle; if every running batch started
		 * {@code stallNanos} ago or more, the oldest queued requests whose lane keys
		 * (trees) no running batch holds, provided {@code member}'s is one of them.
		 */
		@Nullable Batch lead(Member<?> member, int maxBatchSize, long stallNanos) {
			long now = System.nanoTime();
			boolean beside = !this.running.isEmpty();
			if (beside && (this.running.size() >= MAX_RUNNING || now - latestStart() < stallNanos
					|| holds(member.laneKey))) {
				return null;
			}
			List<Member<?>> members = new ArrayList<>();
			for (Iterator<Member<?>> queued = this.queue.iterator(); queued.hasNext()
					&& members.size() < maxBatchSize;) {
				Member<?> next = queued.next();
				if (!beside || !holds(next.laneKey)) {
					queued.remove();
					members.add(next);
				}
			}
			Batch batch = new Batch(members, now, beside);
			this.running.add(batch);
			return batch;
		}

		void finish(Batch batch) {
			this.running.remove(batch);
		}

		/**
		 * Waits until a batch ends, or until a batch beside the running ones may start
		 * for {@code member}: when the latest of them has run {@code stallNanos}.
		 */
		void waitForTurn(Member<?> member, long stallNanos) {
			try {
				if (this.running.isEmpty()) {
					return;
				}
				if (this.running.size() >= MAX_RUNNING || holds(member.laneKey)) {
					wait();
					return;
				}
				long remaining = latestStart() + stallNanos - System.nanoTime();
				if (remaining > 0) {
					TimeUnit.NANOSECONDS.timedWait(this, remaining);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for the ledger", ex);
			}
		}

		private long latestStart() {
			long latest = Long.MIN_VALUE;
			for (Batch batch : this.running) {
				latest = Math.max(latest, batch.started);
			}
			return latest;
		}

		private boolean holds(UUID laneKey) {
			for (Batch batch : this.running) {
				for (Member<?> member : batch.members) {
					if (member.laneKey.equals(laneKey)) {
						return true;
					}
				}
			}
			return false;
		}

	}

	/**
	 * Requests served by one transaction, when it started, and whether it started beside
	 * a stalled batch.
	 */
	private static final class Batch {

		final List<Member<?>> members;

		final long started;

		final boolean beside;

		Batch(List<Member<?>> members, long started, boolean beside) {
			this.members = members;
			this.started = started;
			this.beside = beside;
		}

	}

	/**
	 * One request: its work, and once its batch has committed (or it failed alone), its
	 * result.
	 */
	private static final class Member<T> {

		final @Nullable UUID budgetId;

		final @Nullable UUID reservationId;

		/** The lane key: the root of the budget or hold, where known, else its own id. */
		final UUID laneKey;

		final Function<LedgerBatch, T> work;

		@Nullable T pending;

		@Nullable T result;

		@Nullable Throwable failure;

		/**
		 * The business error this request was refused with inside a batch that went on
		 * without it.
		 */
		@Nullable ApiException refused;

		volatile boolean done;

		Member(@Nullable UUID budgetId, @Nullable UUID reservationId, UUID laneKey, Function<LedgerBatch, T> work) {
			this.budgetId = budgetId;
			this.reservationId = reservationId;
			this.laneKey = laneKey;
			this.work = work;
		}

		void attempt(LedgerBatch batch) {
			this.pending = this.work.apply(batch);
		}

		/**
		 * As {@link #attempt}, but a request the ledger refuses (a 4xx business error: a
		 * missing or out-of-scope id, a conflict, an overrun refused) is kept as this
		 * request's answer and the batch goes on. Every such error is raised before the
		 * request writes anything (the ledger checks, then writes), so the batch's
		 * transaction holds nothing of it, and its batch-mates commit as if it had not
		 * been there. Anything else still fails the batch, which then runs each request
		 * alone.
		 */
		void attemptInBatch(LedgerBatch batch) {
			try {
				attempt(batch);
			}
			catch (ApiException ex) {
				if (ex.problem().status().is5xxServerError()) {
					throw ex;
				}
				this.refused = ex;
			}
		}

		void succeed() {
			this.result = this.pending;
			this.done = true;
		}

		/**
		 * Answers after the batch committed: what the request got, or the error it was
		 * refused with.
		 */
		void settle() {
			if (this.refused != null) {
				fail(this.refused);
			}
			else {
				succeed();
			}
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
