package dev.budgetledger.ledger;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What an API key bound to a budget may touch: that budget's subtree. Anything outside it must look exactly like
 * something that does not exist, so the checks here throw the same exceptions a missing id does.
 */
@Component
public class BudgetScope {

	/**
	 * The ids of the budgets in the subtree of {@code :scopeRoot}; the only definition of "subtree" in the service.
	 * Every budget stores its path from the root ({@code ancestors}, GIN-indexed), so a subtree is one index lookup.
	 */
	static final String SUBTREE = "SELECT id FROM budgets WHERE ancestors @> ARRAY[CAST(:scopeRoot AS uuid)]";

	private final JdbcClient jdbc;

	BudgetScope(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * The budgets above a scope: its ancestors, whose ids, names and figures a key bound to it may never see (a
	 * denial they cause says only {@code limitedBy: ANCESTOR}). Empty for a key that sees everything.
	 */
	public Set<UUID> above(@Nullable UUID root) {
		if (root == null) {
			return Set.of();
		}
		List<UUID> ancestors = this.jdbc.sql("SELECT unnest(ancestors) FROM budgets WHERE id = :id")
			.param("id", root)
			.query(UUID.class)
			.list();
		return ancestors.stream().filter(id -> !id.equals(root)).collect(java.util.stream.Collectors.toSet());
	}

	/** Whether {@code budgetId} is {@code root} or inside its subtree. */
	public boolean contains(UUID root, UUID budgetId) {
		return this.jdbc.sql("SELECT EXISTS (SELECT 1 FROM (" + SUBTREE + ") subtree WHERE subtree.id = :budgetId)")
			.param("scopeRoot", root)
			.param("budgetId", budgetId)
			.query(Boolean.class)
			.single();
	}

	/**
	 * Answers a budget outside the scope as missing.
	 * @param root the caller's scope, or {@code null} when the caller may see every budget
	 */
	public void requireBudget(@Nullable UUID root, UUID budgetId) {
		if (root != null && !contains(root, budgetId)) {
			throw new BudgetNotFoundException(budgetId);
		}
	}

	/**
	 * Answers a reservation on a budget outside the scope as missing.
	 * @param root the caller's scope, or {@code null} when the caller may see every reservation
	 */
	public void requireReservation(@Nullable UUID root, UUID reservationId) {
		if (root == null) {
			return;
		}
		UUID budgetId = this.jdbc.sql("SELECT budget_id FROM reservations WHERE id = :id")
			.param("id", reservationId)
			.query(UUID.class)
			.optional()
			.orElse(null);
		if (budgetId == null || !contains(root, budgetId)) {
			throw new ReservationNotFoundException(reservationId);
		}
	}

}
