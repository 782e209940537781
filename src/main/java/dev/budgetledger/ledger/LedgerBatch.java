package dev.budgetledger.ledger;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetNotFoundException;
import dev.budgetledger.reservation.Decider;
import dev.budgetledger.reservation.Reservation;
import dev.budgetledger.reservation.ReservationNotFoundException;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.reservation.SettleCommand;
import dev.budgetledger.reservation.Settlement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * Reserves and settles on rows that one transaction has locked
 * ({@link Ledger#lockForBatch}): each call serves one request with the very code of a
 * single reserve or settle ({@link Decider} for the decision), on the balances and
 * reservations as the requests before it in the same batch left them. Events are written
 * at once; reservations, journal entries and balances are held back and sent together by
 * {@link #flush} ({@link LedgerWrites}). Not thread-safe: one leader thread uses it,
 * inside the transaction that holds the locks.
 */
public final class LedgerBatch {

	private final Ledger ledger;

	private final Locks locks;

	private final Map<UUID, Budget> budgets = new HashMap<>();

	private final Map<UUID, Reservation> holds = new HashMap<>();

	/**
	 * Roots of the reservations this batch held or settled; {@code null} for settled (no
	 * longer worth knowing).
	 */
	private final Map<UUID, @Nullable UUID> holdRoots = new HashMap<>();

	private final LedgerWrites writes;

	private final Instant now;

	/**
	 * Whether a reserve expired overdue holds, which may include reservations locked here
	 * for a settle.
	 */
	private boolean expiredHolds;

	LedgerBatch(Ledger ledger, Locks locks, List<Budget> budgets, List<Reservation> holds, LedgerWrites writes,
			Instant now) {
		this.ledger = ledger;
		this.locks = locks;
		this.writes = writes;
		this.now = now;
		budgets.forEach(budget -> this.budgets.put(budget.id(), budget));
		holds.forEach(hold -> this.holds.put(hold.id(), hold));
	}

	/**
	 * A reserve served in this batch: as {@link Ledger#reserveOn}, on the chain as the
	 * requests before it left it.
	 * @throws BudgetNotFoundException if the budget does not exist (or is outside
	 * {@code scope})
	 */
	public ReserveOutcome reserve(ReserveCommand command, @Nullable UUID scope) {
		List<Budget> chain = chainOf(command.budgetId());
		if (chain == null) {
			throw new BudgetNotFoundException(command.budgetId());
		}
		Ledger.Held held = this.ledger.reserveOn(chain, command, scope, false, this.now, this.writes);
		held.chain().forEach(budget -> this.budgets.put(budget.id(), budget));
		this.expiredHolds |= held.expiredOthers();
		if (held.outcome() instanceof ReserveOutcome.Allowed allowed) {
			this.holdRoots.put(allowed.reservation().id(), chain.get(0).rootId());
			this.ledger.learnHold(allowed.reservation().id(), command.budgetId());
		}
		return held.outcome();
	}

	/**
	 * What a reserve served in this batch would get, as {@link Ledger#reserveOn} with
	 * {@code dryRun}; for a transaction that is rolled back.
	 */
	ReserveOutcome decide(ReserveCommand command, @Nullable UUID scope) {
		List<Budget> chain = chainOf(command.budgetId());
		if (chain == null) {
			throw new BudgetNotFoundException(command.budgetId());
		}
		return this.ledger.reserveOn(chain, command, scope, true, this.now, this.writes).outcome();
	}

	/**
	 * The locked chain of a budget, root first, or null if the batch does not hold it.
	 */
	@Nullable List<Budget> chain(UUID leafId) {
		return chainOf(leafId);
	}

	/** Whether this batch holds the budget locked. */
	boolean holds(UUID budgetId) {
		return this.budgets.containsKey(budgetId);
	}

	/**
	 * Adds a budget this transaction locked (or made) below the chains it locked at
	 * first.
	 */
	void add(Budget budget) {
		this.budgets.put(budget.id(), budget);
	}

	/** Forgets a budget made in this batch whose making was rolled back. */
	void forget(UUID budgetId) {
		this.budgets.remove(budgetId);
	}

	Instant now() {
		return this.now;
	}

	/**
	 * A settle served in this batch: as {@link Ledger#settleOn}, for a reservation locked
	 * by this batch.
	 * @throws ReservationNotFoundException if the reservation does not exist (or is
	 * outside {@code scope})
	 */
	public Settlement settle(SettleCommand command, @Nullable UUID scope) {
		Reservation reservation = this.holds.get(command.reservationId());
		if (reservation == null) {
			throw new ReservationNotFoundException(command.reservationId());
		}
		if (this.expiredHolds) {
			// A reserve of this batch expired overdue holds in SQL; this one may be among
			// them. Read it again (it
			// stays locked by this transaction), with what this batch holds back written
			// first.
			this.writes.flush(this.now);
			reservation = this.locks.reservation(reservation.id());
		}
		List<Budget> chain = chainOf(reservation.budgetId());
		if (chain == null) {
			throw new ReservationNotFoundException(command.reservationId());
		}
		Ledger.Settled settled = this.ledger.settleOn(reservation, chain, command, scope, this.now, this.writes);
		settled.chain().forEach(budget -> this.budgets.put(budget.id(), budget));
		this.holds.put(reservation.id(), settled.reservation());
		this.holdRoots.put(reservation.id(), null);
		return settled.settlement();
	}

	/**
	 * Sends the writes of every reserve and settle served so far, in one round trip. The
	 * transaction must call it before it commits: until then the database does not show
	 * them.
	 */
	void flush() {
		this.writes.flush(this.now);
	}

	/**
	 * The root of a locked budget, or {@code null} if it was not locked here (it does not
	 * exist).
	 */
	@Nullable UUID rootOf(UUID budgetId) {
		Budget budget = this.budgets.get(budgetId);
		return (budget != null) ? budget.rootId() : null;
	}

	/** Reservations this batch made (with their roots) or settled (with {@code null}). */
	Map<UUID, @Nullable UUID> holdRoots() {
		return this.holdRoots;
	}

	private @Nullable List<Budget> chainOf(UUID leafId) {
		Budget leaf = this.budgets.get(leafId);
		if (leaf == null) {
			return null;
		}
		List<Budget> chain = new ArrayList<>();
		for (UUID id : leaf.ancestors()) {
			chain.add(this.budgets.get(id));
		}
		return chain;
	}

}
