package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.journal.EntryKind;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Appends the journal entries of a budget's own changes (open, limit, mode, freeze,
 * unfreeze, period reset), in the transaction of the change. The entries of holds,
 * settlements, corrections and charges are written with their movement in one statement
 * ({@link LedgerWrites}, {@link Ledger}).
 */
@Component
class Journal {

	private final JdbcClient jdbc;

	Journal(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void entry(UUID budgetId, EntryKind kind, BigDecimal amount, BigDecimal spentDelta, @Nullable BigDecimal limitAfter,
			@Nullable BigDecimal carriedOverAfter, @Nullable String note, Instant now) {
		this.jdbc
			.sql("""
					INSERT INTO journal_entries (budget_id, root_id, kind, amount, spent_delta, limit_after, carried_over_after, note,
					    created_at)
					VALUES (:budgetId, (SELECT root_id FROM budgets WHERE id = :budgetId), :kind, :amount, :spentDelta, :limitAfter, :carriedOverAfter, :note, :now)""")
			.param("budgetId", budgetId)
			.param("kind", kind.name())
			.param("amount", amount)
			.param("spentDelta", spentDelta)
			.param("limitAfter", limitAfter)
			.param("carriedOverAfter", carriedOverAfter)
			.param("note", note)
			.param("now", Timestamp.from(now))
			.update();
	}

}
