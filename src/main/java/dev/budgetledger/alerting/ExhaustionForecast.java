package dev.budgetledger.alerting;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetPeriod;
import dev.budgetledger.budget.Budgets;
import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.events.EventType;
import dev.budgetledger.events.Events;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The {@code budget.projected_exhaustion} alert: after a settlement, a budget whose
 * period's burn rate so far ({@code spent / elapsed}) would reach its limit before the
 * period ends is reported, once per budget and period.
 * <p>
 * Checked on settle, not on reserve: only a settlement moves {@code spent}, and holds are
 * worst-case estimates that are mostly given back, so projecting from them would cry wolf
 * (and the reserve path stays untouched). Pure arithmetic on the chain the ledger already
 * holds locked; the only write is when the alert fires.
 */
@Component
public class ExhaustionForecast {

	/**
	 * No projection before this share of the period has passed: one call in the first
	 * minute of a month would project almost anything, and the alert is sent only once
	 * per period.
	 */
	static final BigDecimal MIN_ELAPSED_SHARE = new BigDecimal("0.01");

	/**
	 * Most (budget, period) pairs remembered as already reported; beyond it the memory
	 * starts afresh.
	 */
	private static final int REMEMBERED = 10_000;

	private final JdbcClient jdbc;

	private final Events events;

	/**
	 * Budgets already reported this period, so a budget on course to run out does not
	 * cost every later settlement an INSERT that does nothing. Only a shortcut: the table
	 * decides, so several instances still report once.
	 */
	private final Set<String> reported = ConcurrentHashMap.newKeySet();

	ExhaustionForecast(JdbcClient jdbc, Events events) {
		this.jdbc = jdbc;
		this.events = events;
	}

	/**
	 * When spending at this rate would reach the limit, if that falls before the period
	 * ends.
	 */
	record Projection(Instant periodStart, Instant periodEnd, Instant projectedAt) {
	}

	/**
	 * The projection for a budget that has spent {@code spent} of {@code limit} by
	 * {@code now}; empty when the budget has no period, has already reached the limit, or
	 * is on course to stay within it.
	 */
	static Optional<Projection> project(BudgetPeriod period, BigDecimal limit, BigDecimal spent, Instant now) {
		Instant start = period.start();
		Instant end = period.end();
		if (start == null || end == null || spent.signum() <= 0 || spent.compareTo(limit) >= 0 || !now.isAfter(start)) {
			return Optional.empty();
		}
		BigDecimal elapsed = BigDecimal.valueOf(micros(start, now));
		BigDecimal length = BigDecimal.valueOf(micros(start, end));
		if (elapsed.compareTo(length.multiply(MIN_ELAPSED_SHARE)) < 0) {
			return Optional.empty();
		}
		// Time to reach the limit at the same rate: elapsed * limit / spent (exact enough
		// to the microsecond).
		long toLimit = elapsed.multiply(limit).divide(spent, MathContext.DECIMAL128).longValue();
		Instant projectedAt = start.plus(toLimit, ChronoUnit.MICROS);
		return projectedAt.isBefore(end) ? Optional.of(new Projection(start, end, projectedAt)) : Optional.empty();
	}

	/**
	 * Checks every level of a settled chain; the caller holds the chain's locks.
	 * @param chain the levels as locked before the settlement
	 * @param spentDelta what the settlement added to each level's spent, in its unit
	 * @param availableDelta what it took from each level's available, in its unit
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void afterSettle(List<Budget> chain, Function<Budget, BigDecimal> spentDelta,
			Function<Budget, BigDecimal> availableDelta, @Nullable UUID reservationId, Instant now) {
		for (Budget level : chain) {
			BigDecimal spent = level.spent().add(spentDelta.apply(level));
			Projection projection = project(level.period(), level.effectiveLimit(), spent, now).orElse(null);
			if (projection != null && firstInPeriod(level, projection, now)) {
				BigDecimal available = level.available().subtract(availableDelta.apply(level));
				BigDecimal reserved = level.effectiveLimit().subtract(spent).subtract(available);
				Map<String, Object> data = new LinkedHashMap<>();
				data.put("unit", level.unit());
				data.put("limit", level.format(level.effectiveLimit()));
				data.put("spent", level.format(spent));
				data.put("reserved", level.format(reserved));
				data.put("available", level.format(available));
				data.put("projectedAt", projection.projectedAt().toString());
				data.put("periodStart", projection.periodStart().toString());
				data.put("periodEnd", projection.periodEnd().toString());
				this.events.record(EventType.PROJECTED_EXHAUSTION, level.id(), level.rootId(), reservationId, data,
						now);
			}
		}
	}

	private boolean firstInPeriod(Budget level, Projection projection, Instant now) {
		String key = level.id() + "@" + projection.periodStart();
		if (this.reported.contains(key)) {
			return false;
		}
		// Remembered only once committed: a rolled-back settlement reported nothing.
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				if (ExhaustionForecast.this.reported.size() >= REMEMBERED) {
					ExhaustionForecast.this.reported.clear();
				}
				ExhaustionForecast.this.reported.add(key);
			}
		});
		return this.jdbc
			.sql("""
					INSERT INTO exhaustion_forecasts (budget_id, root_id, period_start, projected_at, forecast_at)
					VALUES (:id, :root, :periodStart, :projectedAt, :now) ON CONFLICT (budget_id, period_start) DO NOTHING""")
			.param("id", level.id())
			.param("root", level.rootId())
			.param("periodStart", Timestamp.from(projection.periodStart()))
			.param("projectedAt", Timestamp.from(projection.projectedAt()))
			.param("now", Timestamp.from(now))
			.update() > 0;
	}

	private static long micros(Instant from, Instant to) {
		return Duration.between(from, to).toNanos() / 1000;
	}

}
