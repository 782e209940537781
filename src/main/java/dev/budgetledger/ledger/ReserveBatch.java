package dev.budgetledger.ledger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * Reserves on chains that one transaction has locked ({@link Ledger#lockForBatch}): each call decides one request
 * with the very rules of a single reserve ({@link Decider}), on the balances as the requests before it in the same
 * batch left them, and writes its own reservation, journal entries and events. Not thread-safe: one leader thread
 * uses it, inside the transaction that holds the locks.
 */
public final class ReserveBatch {

	private final Ledger ledger;

	private final Map<UUID, Budget> locked = new HashMap<>();

	private final Instant now;

	ReserveBatch(Ledger ledger, List<Budget> locked, Instant now) {
		this.ledger = ledger;
		this.now = now;
		locked.forEach(budget -> this.locked.put(budget.id(), budget));
	}

	/**
	 * As {@link Ledger#reserve(ReserveCommand, UUID)}.
	 * @throws BudgetNotFoundException if the budget does not exist (or is outside {@code scope})
	 */
	public ReserveOutcome reserve(ReserveCommand command, @Nullable UUID scope) {
		Budget leaf = this.locked.get(command.budgetId());
		if (leaf == null) {
			throw new BudgetNotFoundException(command.budgetId());
		}
		List<Budget> chain = new ArrayList<>();
		for (UUID id : leaf.ancestors()) {
			chain.add(this.locked.get(id));
		}
		Ledger.Held held = this.ledger.reserveOn(chain, command, scope, false, this.now);
		held.chain().forEach(budget -> this.locked.put(budget.id(), budget));
		return held.outcome();
	}

	/** The root of a locked budget, or {@code null} if it was not locked here (it does not exist). */
	@Nullable UUID rootOf(UUID budgetId) {
		Budget budget = this.locked.get(budgetId);
		return (budget != null) ? budget.rootId() : null;
	}

}
