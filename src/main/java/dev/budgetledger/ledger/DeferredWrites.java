package dev.budgetledger.ledger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

/**
 * Writes a batch's reserves would each have sent on their own, held back and sent together: statements of the same
 * text (and list sizes) go as one JDBC batch, which pgjdbc sends in one round trip. Only writes whose result nobody
 * reads qualify, and only while nothing reads what they change from the database: every write here moves balances
 * by a delta ({@code spent = spent + x}), so the order they run in within the transaction does not matter, and the
 * batch's own view of the balances is kept in Java ({@link LedgerBatch}). Whoever is about to read budgets from the
 * database in the same transaction flushes first; the batch flushes before it commits.
 */
final class DeferredWrites {

	private final Map<String, List<SqlParameterSource>> statements = new LinkedHashMap<>();

	void add(String sql, int listSize, MapSqlParameterSource params) {
		// The list size is part of the key: a batch shares one expansion of the IN list.
		this.statements.computeIfAbsent(listSize + "\n" + sql, key -> new ArrayList<>()).add(params);
	}

	boolean isEmpty() {
		return this.statements.isEmpty();
	}

	/** Sends what is pending, one round trip per statement text, and forgets it. */
	void flush(NamedParameterJdbcTemplate jdbc) {
		if (this.statements.isEmpty()) {
			return;
		}
		List<Map.Entry<String, List<SqlParameterSource>>> pending = new ArrayList<>(this.statements.entrySet());
		this.statements.clear();
		for (Map.Entry<String, List<SqlParameterSource>> statement : pending) {
			String sql = statement.getKey().substring(statement.getKey().indexOf('\n') + 1);
			jdbc.batchUpdate(sql, statement.getValue().toArray(SqlParameterSource[]::new));
		}
	}

}
