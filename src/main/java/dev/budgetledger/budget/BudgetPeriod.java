package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;

import org.jspecify.annotations.Nullable;

/**
 * Where a budget stands in its period.
 *
 * @param start start of the current period (null for NONE)
 * @param carriedOver unused budget carried into this period by rollover; it adds to the
 * limit
 */
public record BudgetPeriod(Period period, ZoneId timezone, @Nullable Instant start, boolean rollover,
		@Nullable BigDecimal rolloverCap, BigDecimal carriedOver) {

	/** The end of the current period, or null for NONE. */
	public @Nullable Instant end() {
		return (this.start != null) ? this.period.next(this.start, this.timezone) : null;
	}

}
