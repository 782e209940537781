package dev.budgetledger.budget;

import java.math.BigDecimal;

import org.jspecify.annotations.Nullable;

/**
 * What a budget allows one run, and one minute, on it and below it ({@code null}: no
 * cap).
 *
 * @param maxCallsPerRun reserves allowed per run (a reserve's {@code runId})
 * @param maxAmountPerRun what a run's reservations may hold plus what they were charged,
 * in the budget's unit (money, or whole tokens on a token budget); a release or expiry
 * gives its hold back, a settle replaces the hold by the charge
 * @param maxRequestsPerMinute reserves allowed per fixed UTC minute
 * @param maxTokensPerMinute tokens held per fixed UTC minute (input plus max output
 * tokens, as reserved)
 */
public record RunAndMinuteCaps(@Nullable Long maxCallsPerRun, @Nullable BigDecimal maxAmountPerRun,
		@Nullable Long maxRequestsPerMinute, @Nullable Long maxTokensPerMinute) {

	public static final RunAndMinuteCaps NONE = new RunAndMinuteCaps(null, null, null, null);

	/** Whether a run's counters decide anything here. */
	public boolean capsRuns() {
		return this.maxCallsPerRun != null || this.maxAmountPerRun != null;
	}

	/** Whether this budget counts its minute windows. */
	public boolean capsMinutes() {
		return this.maxRequestsPerMinute != null || this.maxTokensPerMinute != null;
	}

}
