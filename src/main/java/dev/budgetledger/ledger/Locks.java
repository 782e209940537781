package dev.budgetledger.ledger;

import java.util.List;
import java.util.UUID;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetNotFoundException;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.reservation.Reservation;
import dev.budgetledger.reservation.ReservationNotFoundException;
import dev.budgetledger.reservation.Reservations;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Every row lock the ledger takes, in the one order that keeps transactions from waiting
 * on each other in a cycle: reservations first (by id), then budgets root to leaf (by
 * depth, then id). Only the ledger locks ledger rows, and only through here;
 * {@code Budgets} and {@code Reservations} only read. Lock waits are bounded by the
 * {@code lock_timeout} of the connection (docs/ledger.md).
 */
@Component
class Locks {

	private final JdbcClient jdbc;

	private final Budgets budgets;

	private final Reservations reservations;

	Locks(JdbcClient jdbc, Budgets budgets, Reservations reservations) {
		this.jdbc = jdbc;
		this.budgets = budgets;
		this.reservations = reservations;
	}

	/** One budget, for a change of that budget alone (limits, mode, freeze). */
	Budget budget(UUID id) {
		return this.jdbc.sql("SELECT " + Budgets.COLUMNS + " FROM budgets WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(this.budgets.rows())
			.optional()
			.orElseThrow(() -> new BudgetNotFoundException(id));
	}

	/**
	 * The budgets of a chain, root first, each locked {@code FOR UPDATE} in that order.
	 */
	List<Budget> chain(UUID leafId) {
		List<Budget> chain = this.jdbc.sql(Budgets.CHAIN + " FOR UPDATE")
			.param("leaf", leafId)
			.query(this.budgets.rows())
			.list();
		if (chain.isEmpty()) {
			throw new BudgetNotFoundException(leafId);
		}
		return chain;
	}

	/**
	 * The union of several chains in one global order (depth, then id). A single chain
	 * has one budget per depth, so this order agrees with {@link #chain}, and no two
	 * transactions can wait on each other in a cycle.
	 */
	List<Budget> chains(List<UUID> leafIds) {
		return this.jdbc.sql("SELECT " + Budgets.COLUMNS + """
				 FROM budgets WHERE id IN (SELECT unnest(ancestors) FROM budgets WHERE id IN (:leaves))
				ORDER BY depth, id FOR UPDATE""").param("leaves", leafIds).query(this.budgets.rows()).list();
	}

	/** A reservation; every path that changes one locks it before any budget. */
	Reservation reservation(UUID id) {
		return this.jdbc.sql("SELECT " + Reservations.COLUMNS + " FROM reservations WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(this.reservations.rows())
			.optional()
			.orElseThrow(() -> new ReservationNotFoundException(id));
	}

	/**
	 * Reservations in id order (the order every path that locks several uses); missing
	 * ones are left out.
	 */
	List<Reservation> reservations(List<UUID> ids) {
		return this.jdbc
			.sql("SELECT " + Reservations.COLUMNS + " FROM reservations WHERE id IN (:ids) ORDER BY id FOR UPDATE")
			.param("ids", ids)
			.query(this.reservations.rows())
			.list();
	}

}
