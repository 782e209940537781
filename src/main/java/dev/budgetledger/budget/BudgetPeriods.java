package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads the closed periods of a budget. */
@Repository
public class BudgetPeriods {

	private final JdbcClient jdbc;

	BudgetPeriods(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Closed periods, newest first, starting before {@code before}. */
	public List<ClosedPeriod> list(UUID budgetId, @Nullable Instant before, int limit) {
		return this.jdbc
			.sql("""
					SELECT period_start, period_end, limit_amount, carried_over, spent, reserved_at_close, calls, carried_out,
					       closed_at
					FROM budget_periods WHERE budget_id = :id AND (CAST(:before AS timestamptz) IS NULL OR period_start < :before)
					ORDER BY period_start DESC LIMIT :limit""")
			.param("id", budgetId)
			.param("before", (before != null) ? Timestamp.from(before) : null)
			.param("limit", limit)
			.query((rs, row) -> new ClosedPeriod(rs.getTimestamp("period_start").toInstant(),
					rs.getTimestamp("period_end").toInstant(), rs.getBigDecimal("limit_amount"),
					rs.getBigDecimal("carried_over"), rs.getBigDecimal("spent"), rs.getBigDecimal("reserved_at_close"),
					rs.getLong("calls"), rs.getBigDecimal("carried_out"), rs.getTimestamp("closed_at").toInstant()))
			.list();
	}

	/**
	 * A period as it stood when it was closed.
	 *
	 * @param reservedAtClose holds still open at the close; they are charged in the
	 * period they are settled in
	 * @param carriedOut what rollover carried into the next period
	 */
	public record ClosedPeriod(Instant start, Instant end, BigDecimal limit, BigDecimal carriedOver, BigDecimal spent,
			BigDecimal reservedAtClose, long calls, BigDecimal carriedOut, Instant closedAt) {
	}

}
