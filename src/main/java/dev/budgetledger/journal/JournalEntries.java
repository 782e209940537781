package dev.budgetledger.journal;

import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads the journal. Entries are only ever appended, by
 * {@link dev.budgetledger.ledger.Ledger}.
 */
@Repository
public class JournalEntries {

	private final JdbcClient jdbc;

	JournalEntries(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** A budget's entries in the order they were written, after entry {@code afterId}. */
	public List<JournalEntry> list(UUID budgetId, long afterId, int limit) {
		return this.jdbc.sql("""
				SELECT id, budget_id, reservation_id, kind, amount, spent_delta, reserved_delta, limit_after,
				       carried_over_after, note, created_at, charge_id
				FROM journal_entries WHERE budget_id = :budgetId AND id > :after ORDER BY id LIMIT :limit""")
			.param("budgetId", budgetId)
			.param("after", afterId)
			.param("limit", limit)
			.query((rs, row) -> new JournalEntry(rs.getLong("id"), rs.getObject("budget_id", UUID.class),
					rs.getObject("reservation_id", UUID.class), EntryKind.valueOf(rs.getString("kind")),
					rs.getBigDecimal("amount"), rs.getBigDecimal("spent_delta"), rs.getBigDecimal("reserved_delta"),
					rs.getBigDecimal("limit_after"), rs.getBigDecimal("carried_over_after"), rs.getString("note"),
					rs.getTimestamp("created_at").toInstant(), rs.getObject("charge_id", UUID.class)))
			.list();
	}

}
