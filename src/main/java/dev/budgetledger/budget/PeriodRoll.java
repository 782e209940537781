package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * The lazy reset of a periodic budget, computed when a transaction that holds the
 * budget's lock finds the current period over. No cron job: the reset happens exactly
 * when the budget is next touched, inside its lock, so there is no window in which an old
 * period's spend counts against the new one.
 *
 * @param closedEnd end of the closed period
 * @param newStart start of the period that contains now
 * @param carry what rollover carries into the new period (zero without rollover)
 */
public record PeriodRoll(Instant closedStart, Instant closedEnd, Instant newStart, BigDecimal carry) {

	/** Bounds the walk over idle periods (about 27 years of days). */
	private static final int MAX_IDLE_PERIODS = 10_000;

	public static Optional<PeriodRoll> of(Budget budget, Instant now) {
		BudgetPeriod period = budget.period();
		Instant start = period.start();
		if (start == null) {
			return Optional.empty();
		}
		Instant end = period.period().next(start, period.timezone());
		if (now.isBefore(end)) {
			return Optional.empty();
		}
		BigDecimal carry = carry(period, budget.effectiveLimit().subtract(budget.spent()));
		Instant next = end;
		for (int idle = 0; idle < MAX_IDLE_PERIODS; idle++) {
			Instant after = period.period().next(next, period.timezone());
			if (now.isBefore(after)) {
				break;
			}
			carry = carry(period, budget.limit().add(carry));
			next = after;
		}
		return Optional.of(new PeriodRoll(start, end, next, carry));
	}

	/**
	 * Unused budget carried over: none without rollover, never negative, at most the cap.
	 */
	private static BigDecimal carry(BudgetPeriod period, BigDecimal unused) {
		if (!period.rollover() || unused.signum() <= 0) {
			return BigDecimal.ZERO;
		}
		@Nullable BigDecimal cap = period.rolloverCap();
		return (cap != null) ? unused.min(cap) : unused;
	}

}
