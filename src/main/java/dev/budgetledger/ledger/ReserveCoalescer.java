package dev.budgetledger.ledger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Serves concurrent reserves on one budget tree together, so a hot budget (an organisation cap every request
 * touches) is locked once per batch instead of once per request.
 * <p>
 * Requests queue per lane (lanes are picked by root budget, so every leaf of a tree shares one). Whoever finds the
 * lane idle becomes its leader: it takes the queue, oldest first, at most {@code max-batch-size}, and runs one
 * transaction that locks the union of their chains once (root first, the global lock order), decides each request
 * in arrival order with the same rules as a single reserve, writes each its own reservation, journal entries,
 * events (and, through the work it was given, its idempotency record), commits, and only then answers them all.
 * Requests that arrived meanwhile wait for the lane and go in the next batch. A request that finds the lane idle
 * runs at once, as a batch of one: no timer, no added latency.
 * <p>
 * If any request of a batch fails (a conflict, a failing insert, a lock timeout), the batch transaction is rolled
 * back as a whole (nothing of it was committed or answered) and each of its requests runs again alone, in its own
 * transaction: the failing one fails by itself, its batch-mates get exactly what they would have got alone.
 */
@Component
public class ReserveCoalescer {

	/** The leaf-to-root cache is forgotten past this size; it only steers requests to lanes. */
	private static final int MAX_KNOWN_ROOTS = 100_000;

	private final Ledger ledger;

	private final TransactionTemplate transactions;

	private final CoalescingSettings settings;

	private final Lane[] lanes;

	/** Roots of leaves seen in earlier batches; a budget's root never changes. Unknown leaves use their own lane. */
	private final Map<UUID, UUID> roots = new ConcurrentHashMap<>();

	private final DistributionSummary batchSizes;

	ReserveCoalescer(Ledger ledger, TransactionTemplate transactions, CoalescingSettings settings,
			MeterRegistry meters) {
		this.ledger = ledger;
		this.transactions = transactions;
		this.settings = settings;
		this.lanes = new Lane[settings.lanes()];
		for (int i = 0; i < this.lanes.length; i++) {
			this.lanes[i] = new Lane();
		}
		this.batchSizes = DistributionSummary.builder("budget_ledger.reserve.batch.size")
			.description("Reserves served by one locking transaction")
			.register(meters);
	}

	/**
	 * Runs {@code work} for one reserve on {@code budgetId}, in a transaction that has locked the budget's chain,
	 * possibly together with other requests; answers what {@code work} answered, after the commit, or throws what
	 * it threw.
	 */
	public <T> T reserve(UUID budgetId, Function<ReserveBatch, T> work) {
		if (!this.settings.enabled()) {
			return runAlone(new Member<>(budgetId, work)).get();
		}
		Member<T> member = new Member<>(budgetId, work);
		UUID root = this.roots.getOrDefault(budgetId, budgetId);
		Lane lane = this.lanes[Math.floorMod(root.hashCode(), this.lanes.length)];
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

	/** How many requests wait in the lane of {@code budgetId}, not counting a batch being run (for tests). */
	int waiting(UUID budgetId) {
		Lane lane = this.lanes[Math.floorMod(this.roots.getOrDefault(budgetId, budgetId).hashCode(), this.lanes.length)];
		synchronized (lane) {
			return lane.queue.size();
		}
	}

	private void run(List<Member<?>> batch) {
		if (batch.size() == 1) {
			runAlone(batch.get(0));
			return;
		}
		this.batchSizes.record(batch.size());
		try {
			this.transactions.executeWithoutResult(status -> {
				Set<UUID> leaves = new LinkedHashSet<>();
				batch.forEach(member -> leaves.add(member.budgetId));
				ReserveBatch locked = this.ledger.lockForBatch(leaves);
				batch.forEach(member -> member.attempt(locked));
				learnRoots(locked, leaves);
			});
		}
		catch (RuntimeException | Error ex) {
			// Nothing of the batch was committed: run each request alone, so only the failing one fails.
			batch.forEach(this::runAlone);
			return;
		}
		batch.forEach(Member::succeed);
	}

	private <T> Member<T> runAlone(Member<T> member) {
		try {
			this.transactions.executeWithoutResult(status -> {
				ReserveBatch locked = this.ledger.lockForBatch(List.of(member.budgetId));
				member.attempt(locked);
				learnRoots(locked, Set.of(member.budgetId));
			});
			member.succeed();
		}
		catch (RuntimeException | Error ex) {
			member.fail(ex);
		}
		return member;
	}

	private void learnRoots(ReserveBatch locked, Set<UUID> leaves) {
		if (this.roots.size() > MAX_KNOWN_ROOTS) {
			this.roots.clear();
		}
		for (UUID leaf : leaves) {
			UUID root = locked.rootOf(leaf);
			if (root != null) {
				this.roots.putIfAbsent(leaf, root);
			}
		}
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
				throw new IllegalStateException("Interrupted while waiting to reserve", ex);
			}
		}

	}

	/** One request: its work, and once its batch has committed (or it failed alone), its result. */
	private static final class Member<T> {

		final UUID budgetId;

		final Function<ReserveBatch, T> work;

		@Nullable T pending;

		@Nullable T result;

		@Nullable Throwable failure;

		volatile boolean done;

		Member(UUID budgetId, Function<ReserveBatch, T> work) {
			this.budgetId = budgetId;
			this.work = work;
		}

		void attempt(ReserveBatch batch) {
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
