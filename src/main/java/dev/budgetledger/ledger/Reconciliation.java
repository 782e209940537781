package dev.budgetledger.ledger;

import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Checks the ledger's invariants against the journal: for every budget, {@code spent} and {@code reserved} equal
 * the sums of its entries, {@code limit} equals its latest limit entry, and {@code reserved} equals the sum of its
 * HELD reservations. Runs in one REPEATABLE READ snapshot so concurrent changes cannot produce false alarms.
 */
@Component
public class Reconciliation {

	private final JdbcClient jdbc;

	Reconciliation(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
	public List<Discrepancy> check() {
		return this.jdbc.sql("""
				WITH sums AS (
				    SELECT budget_id, sum(spent_delta) AS spent, sum(reserved_delta) AS reserved
				    FROM journal_entries GROUP BY budget_id),
				limits AS (
				    SELECT DISTINCT ON (budget_id) budget_id, limit_after
				    FROM journal_entries WHERE limit_after IS NOT NULL ORDER BY budget_id, id DESC),
				held AS (
				    SELECT budget_id, sum(amount) AS reserved FROM reservations WHERE status = 'HELD' GROUP BY budget_id)
				SELECT b.id,
				       CASE WHEN b.spent <> coalesce(s.spent, 0) THEN 'spent ' || b.spent || ' but journal sums to ' || coalesce(s.spent, 0)
				            WHEN b.reserved <> coalesce(s.reserved, 0) THEN 'reserved ' || b.reserved || ' but journal sums to ' || coalesce(s.reserved, 0)
				            WHEN b.reserved <> coalesce(h.reserved, 0) THEN 'reserved ' || b.reserved || ' but held reservations sum to ' || coalesce(h.reserved, 0)
				            ELSE 'limit ' || b.limit_amount || ' but journal says ' || coalesce(l.limit_after::text, 'nothing') END AS problem
				FROM budgets b
				LEFT JOIN sums s ON s.budget_id = b.id
				LEFT JOIN limits l ON l.budget_id = b.id
				LEFT JOIN held h ON h.budget_id = b.id
				WHERE b.spent <> coalesce(s.spent, 0) OR b.reserved <> coalesce(s.reserved, 0)
				   OR b.reserved <> coalesce(h.reserved, 0) OR l.limit_after IS DISTINCT FROM b.limit_amount
				ORDER BY b.id""")
			.query((rs, row) -> new Discrepancy(rs.getObject("id", UUID.class), rs.getString("problem")))
			.list();
	}

	public record Discrepancy(UUID budgetId, String problem) {
	}

}
