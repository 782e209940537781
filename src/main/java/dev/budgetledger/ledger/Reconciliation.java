package dev.budgetledger.ledger;

import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Checks the ledger's invariants against the journal, for every budget: {@code spent}, {@code reserved},
 * {@code limit} and {@code carriedOver} equal what its journal says; {@code reserved} and {@code heldCount} equal
 * what the HELD reservations on it or below it hold (in its unit). Runs in one REPEATABLE READ snapshot so
 * concurrent changes cannot produce false alarms.
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
				carries AS (
				    SELECT DISTINCT ON (budget_id) budget_id, carried_over_after
				    FROM journal_entries WHERE kind = 'PERIOD_RESET' ORDER BY budget_id, id DESC),
				held AS (
				    SELECT b.id AS budget_id, count(*) AS n,
				           sum(CASE WHEN b.unit = 'TOKENS' THEN coalesce(r.tokens, 0) ELSE r.amount END) AS reserved
				    FROM reservations r JOIN budgets leaf ON leaf.id = r.budget_id JOIN budgets b ON b.id = ANY(leaf.ancestors)
				    WHERE r.status = 'HELD' GROUP BY b.id),
				checked AS (
				    SELECT b.id,
				        CASE WHEN b.spent <> coalesce(s.spent, 0) THEN 'spent ' || b.spent || ' but journal sums to ' || coalesce(s.spent, 0)
				             WHEN b.reserved <> coalesce(s.reserved, 0) THEN 'reserved ' || b.reserved || ' but journal sums to ' || coalesce(s.reserved, 0)
				             WHEN b.reserved <> coalesce(h.reserved, 0) THEN 'reserved ' || b.reserved || ' but held reservations sum to ' || coalesce(h.reserved, 0)
				             WHEN b.held_count <> coalesce(h.n, 0) THEN 'held count ' || b.held_count || ' but ' || coalesce(h.n, 0) || ' reservations are held'
				             WHEN b.carried_over <> coalesce(c.carried_over_after, 0) THEN 'carried over ' || b.carried_over || ' but journal says ' || coalesce(c.carried_over_after, 0)
				             WHEN l.limit_after IS DISTINCT FROM b.limit_amount THEN 'limit ' || b.limit_amount || ' but journal says ' || coalesce(l.limit_after::text, 'nothing')
				        END AS problem
				    FROM budgets b
				    LEFT JOIN sums s ON s.budget_id = b.id
				    LEFT JOIN limits l ON l.budget_id = b.id
				    LEFT JOIN carries c ON c.budget_id = b.id
				    LEFT JOIN held h ON h.budget_id = b.id)
				SELECT id, problem FROM checked WHERE problem IS NOT NULL ORDER BY id""")
			.query((rs, row) -> new Discrepancy(rs.getObject("id", UUID.class), rs.getString("problem")))
			.list();
	}

	public record Discrepancy(UUID budgetId, String problem) {
	}

}
