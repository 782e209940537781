package dev.budgetledger.reservation;

import dev.budgetledger.budget.BudgetNotFoundException;
import dev.budgetledger.budget.Budgets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What an API key bound to a budget may touch: that budget's subtree. Anything outside it
 * must look exactly like something that does not exist, so the checks here throw the same
 * exceptions a missing id does.
 */
@Component
public class BudgetScope {

	/** The caches are forgotten past this size; they only save lookups. */
	private static final int MAX_KNOWN = 100_000;

	private final JdbcClient jdbc;

	/**
	 * Paths from the root (ancestors, the budget included) of budgets seen by this
	 * instance. A budget's path never changes (its parent is fixed at creation, and
	 * budgets are not deleted), so a cached one is never stale.
	 */
	private final Map<UUID, List<UUID>> paths = new ConcurrentHashMap<>();

	/**
	 * The budgets of reservations seen by this instance; a reservation never moves to
	 * another budget.
	 */
	private final Map<UUID, UUID> holds = new ConcurrentHashMap<>();

	BudgetScope(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Remembers a budget's path from its root, as read by a lock or a creation. */
	public void learn(UUID budgetId, List<UUID> path) {
		if (this.paths.size() > MAX_KNOWN) {
			this.paths.clear();
		}
		this.paths.putIfAbsent(budgetId, List.copyOf(path));
	}

	/** Remembers the budget of a reservation made through this instance. */
	public void learnHold(UUID reservationId, UUID budgetId) {
		if (this.holds.size() > MAX_KNOWN) {
			this.holds.clear();
		}
		this.holds.putIfAbsent(reservationId, budgetId);
	}

	/**
	 * The check a bound key's reserve passes before it joins a batch or locks anything: a
	 * budget outside the scope is answered as missing, so requests aimed at another
	 * tenant's budget never touch its rows or its batches. Paths are cached, so a key's
	 * reserves cost no round trip for it after the first. Only an answer that lets the
	 * request through is taken from the cache: an out-of-scope id costs the same one
	 * indexed lookup as a missing one, so neither the answer nor its timing tells an
	 * existing budget of another tenant from a missing id.
	 */
	public void requireBudgetBeforeLock(@Nullable UUID root, UUID budgetId) {
		if (root == null) {
			return;
		}
		List<UUID> cached = this.paths.get(budgetId);
		if (cached != null && cached.contains(root)) {
			return;
		}
		List<UUID> path = readPath(budgetId);
		if (path.isEmpty() || !path.contains(root)) {
			throw new BudgetNotFoundException(budgetId);
		}
		learn(budgetId, path);
	}

	/**
	 * As {@link #requireBudgetBeforeLock}, for a settle of a reservation; one lookup when
	 * not let through.
	 */
	public void requireReservationBeforeLock(@Nullable UUID root, UUID reservationId) {
		if (root == null) {
			return;
		}
		UUID budgetId = this.holds.get(reservationId);
		List<UUID> cached = (budgetId != null) ? this.paths.get(budgetId) : null;
		if (cached != null && cached.contains(root)) {
			return;
		}
		if (!holdInScope(root, reservationId)) {
			throw new ReservationNotFoundException(reservationId);
		}
	}

	/**
	 * Whether a reservation exists on a budget in the scope, in one query whatever the
	 * answer (a missing reservation and one of another tenant cost the same); remembers
	 * what it read.
	 */
	private boolean holdInScope(UUID root, UUID reservationId) {
		List<Hold> found = this.jdbc
			.sql("SELECT r.budget_id, b.ancestors FROM reservations r JOIN budgets b ON b.id = r.budget_id"
					+ " WHERE r.id = :id")
			.param("id", reservationId)
			.query((rs, row) -> new Hold(rs.getObject("budget_id", UUID.class),
					List.of((UUID[]) rs.getArray("ancestors").getArray())))
			.list();
		if (found.isEmpty() || !found.get(0).path().contains(root)) {
			return false;
		}
		learnHold(reservationId, found.get(0).budgetId());
		learn(found.get(0).budgetId(), found.get(0).path());
		return true;
	}

	private record Hold(UUID budgetId, List<UUID> path) {
	}

	private List<UUID> readPath(UUID budgetId) {
		return this.jdbc.sql("SELECT unnest(ancestors) FROM budgets WHERE id = :id")
			.param("id", budgetId)
			.query(UUID.class)
			.list();
	}

	/**
	 * The budgets above a scope: its ancestors, whose ids, names and figures a key bound
	 * to it may never see (a denial they cause says only {@code limitedBy: ANCESTOR}).
	 * Empty for a key that sees everything.
	 */
	public Set<UUID> above(@Nullable UUID root) {
		if (root == null) {
			return Set.of();
		}
		return readPath(root).stream().filter(id -> !id.equals(root)).collect(java.util.stream.Collectors.toSet());
	}

	/** Whether {@code budgetId} is {@code root} or inside its subtree. */
	public boolean contains(UUID root, UUID budgetId) {
		return this.jdbc
			.sql("SELECT EXISTS (SELECT 1 FROM (" + Budgets.SUBTREE + ") subtree WHERE subtree.id = :budgetId)")
			.param("scopeRoot", root)
			.param("budgetId", budgetId)
			.query(Boolean.class)
			.single();
	}

	/**
	 * Answers a budget outside the scope as missing.
	 * @param root the caller's scope, or {@code null} when the caller may see every
	 * budget
	 */
	public void requireBudget(@Nullable UUID root, UUID budgetId) {
		if (root != null && !contains(root, budgetId)) {
			throw new BudgetNotFoundException(budgetId);
		}
	}

	/**
	 * Answers a reservation on a budget outside the scope as missing, in one query
	 * whether it is missing or not.
	 * @param root the caller's scope, or {@code null} when the caller may see every
	 * reservation
	 */
	public void requireReservation(@Nullable UUID root, UUID reservationId) {
		if (root != null && !holdInScope(root, reservationId)) {
			throw new ReservationNotFoundException(reservationId);
		}
	}

}
