package dev.budgetledger.ledger;

import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

/**
 * Writes a batch's reserves would each have sent on their own, held back and sent together: consecutive statements
 * of the same text (and list sizes) go as one JDBC batch, which pgjdbc sends in one round trip, and runs go out in
 * the order they were added. Only writes whose result nobody reads qualify, and only while nothing reads what they
 * change: the batch keeps its own view of the balances in Java ({@link LedgerBatch}). Whoever is about to read
 * budgets from the database or journal anything in the same transaction flushes first, so the journal keeps the
 * order of arrival (the HARD_LIMIT replay relies on it); the batch flushes before it commits.
 */
final class DeferredWrites {

	/** Runs of statements with the same text and list sizes, in the order they were added. */
	private final List<Run> runs = new ArrayList<>();

	void add(String sql, int listSize, MapSqlParameterSource params) {
		Run last = this.runs.isEmpty() ? null : this.runs.get(this.runs.size() - 1);
		if (last == null || last.listSize != listSize || !last.sql.equals(sql)) {
			// A new run: statements of another shape in between keep their place, so the journal keeps the order.
			last = new Run(sql, listSize, new ArrayList<>());
			this.runs.add(last);
		}
		last.params.add(params);
	}

	boolean isEmpty() {
		return this.runs.isEmpty();
	}

	/** Sends what is pending, one round trip per run, in order, and forgets it. */
	void flush(NamedParameterJdbcTemplate jdbc) {
		if (this.runs.isEmpty()) {
			return;
		}
		List<Run> pending = new ArrayList<>(this.runs);
		this.runs.clear();
		for (Run run : pending) {
			jdbc.batchUpdate(run.sql, run.params.toArray(SqlParameterSource[]::new));
		}
	}

	/** One JDBC batch: a batch shares its statement text and one expansion of its IN lists. */
	private record Run(String sql, int listSize, List<SqlParameterSource> params) {
	}

}
