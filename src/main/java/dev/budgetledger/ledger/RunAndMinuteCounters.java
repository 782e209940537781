package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.reservation.Ask;
import dev.budgetledger.reservation.Counters;
import dev.budgetledger.reservation.Decider;
import dev.budgetledger.reservation.Reservation;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The run and minute counters of a locked chain: read for {@link Decider} (one query, and
 * only when some level of the chain caps runs or minutes), and counted into
 * {@link LedgerWrites} when a reserve is allowed. Run counters are kept on every level of
 * a run's chain, capped or not, so a cap set later counts the run from its start and the
 * reconciliation can recompute every row.
 * <p>
 * Minute windows are fixed and aligned to the UTC minute: a window is one row per budget,
 * exact under the row lock, and its end is the same for every caller, so
 * {@code Retry-After} is simply the time to the next minute. A sliding window would need
 * every request's time (or an approximation) to be equally exact.
 */
@Component
class RunAndMinuteCounters {

	static final Duration WINDOW = Duration.ofMinutes(1);

	private final JdbcClient jdbc;

	RunAndMinuteCounters(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** The start of the minute window {@code now} falls in. */
	static Instant windowStart(Instant now) {
		return now.truncatedTo(ChronoUnit.MINUTES);
	}

	/** Whole seconds from {@code now} to the next window, 1 to 60. */
	static long retryAfterSeconds(Instant now) {
		long millis = Duration.between(now, windowStart(now).plus(WINDOW)).toMillis();
		return Math.max(1, Math.min(60, (millis + 999) / 1000));
	}

	/**
	 * The counters of a chain the caller has locked, as the database and what
	 * {@code writes} holds back leave them.
	 */
	Counters read(List<Budget> chain, @Nullable String runId, Instant now, LedgerWrites writes) {
		Instant start = windowStart(now);
		List<UUID> runLevels = new ArrayList<>();
		List<UUID> minuteLevels = new ArrayList<>();
		for (Budget level : chain) {
			if (runId != null && level.policy().runAndMinute().capsRuns()) {
				runLevels.add(level.id());
			}
			if (level.policy().runAndMinute().capsMinutes()) {
				minuteLevels.add(level.id());
			}
		}
		Map<UUID, Counters.RunCount> runs = new HashMap<>();
		Map<UUID, Counters.MinuteCount> minutes = new HashMap<>();
		if (!runLevels.isEmpty() || !minuteLevels.isEmpty()) {
			List<String> parts = new ArrayList<>();
			if (!runLevels.isEmpty()) {
				parts.add("SELECT 'RUN' AS kind, budget_id, calls AS n, amount FROM run_usage"
						+ " WHERE run_id = :run AND budget_id IN (:runLevels)");
			}
			if (!minuteLevels.isEmpty()) {
				parts.add("SELECT 'MINUTE' AS kind, budget_id, requests AS n, tokens AS amount FROM minute_windows"
						+ " WHERE window_start = :start AND budget_id IN (:minuteLevels)");
			}
			JdbcClient.StatementSpec query = this.jdbc.sql(String.join(" UNION ALL ", parts));
			if (!runLevels.isEmpty()) {
				query = query.param("run", runId).param("runLevels", runLevels);
			}
			if (!minuteLevels.isEmpty()) {
				query = query.param("start", Timestamp.from(start)).param("minuteLevels", minuteLevels);
			}
			query.query(rs -> {
				UUID budget = rs.getObject("budget_id", UUID.class);
				if ("RUN".equals(rs.getString("kind"))) {
					runs.put(budget, new Counters.RunCount(rs.getLong("n"), rs.getBigDecimal("amount")));
				}
				else {
					minutes.put(budget, new Counters.MinuteCount(rs.getLong("n"), rs.getLong("amount")));
				}
			});
		}
		if (runId != null) {
			for (UUID level : runLevels) {
				Counters.RunCount pending = writes.pendingRun(level, runId);
				runs.put(level,
						runs.getOrDefault(level, Counters.RunCount.ZERO).plus(pending.calls(), pending.amount()));
			}
		}
		for (UUID level : minuteLevels) {
			Counters.MinuteCount pending = writes.pendingMinute(level, start);
			minutes.put(level,
					minutes.getOrDefault(level, Counters.MinuteCount.ZERO).plus(pending.requests(), pending.tokens()));
		}
		return new Counters(runId, runs, minutes, retryAfterSeconds(now));
	}

	/**
	 * Counts an allowed reserve: one call and its hold for its run on every level, one
	 * request and its tokens in the window of every level that caps minutes.
	 */
	void allowed(List<Budget> chain, @Nullable String runId, UUID reservationId, Ask.Option held, Instant now,
			LedgerWrites writes) {
		if (runId != null) {
			writes.run(chain, runId, 1, level -> Decider.hold(level, held));
			writes.runOf(reservationId, runId);
		}
		Instant start = windowStart(now);
		for (Budget level : chain) {
			if (level.policy().runAndMinute().capsMinutes()) {
				writes.minute(level, start, Decider.minuteTokens(held));
			}
		}
	}

	/**
	 * Moves a run's amount on every level of its chain by what a settle, resize or
	 * correction changed (in each level's unit).
	 */
	void moved(List<Budget> chain, Reservation reservation, Function<Budget, BigDecimal> change, LedgerWrites writes) {
		String runId = reservation.runId();
		if (runId != null) {
			writes.run(chain, runId, 0, change);
		}
	}

}
