package dev.budgetledger.reservation;

import java.math.BigDecimal;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * The run and minute counters of a chain as they stand under its row locks, for
 * {@link Decider}: what the reserve's run has done on each level, and what each level
 * allowed in the current minute window.
 *
 * @param runId the run the reserve names, or {@code null} (then no run cap applies)
 * @param runs per budget of the chain, the run's counters there (missing: nothing yet)
 * @param minutes per budget that caps minutes, its counts in the current window (missing:
 * none yet)
 * @param retryAfterSeconds seconds from now to the start of the next window, 1 to 60
 */
public record Counters(@Nullable String runId, Map<UUID, RunCount> runs, Map<UUID, MinuteCount> minutes,
		long retryAfterSeconds) {

	/** No run, nothing counted. */
	public static final Counters NONE = new Counters(null, Map.of(), Map.of(), 60);

	/** A run's calls allowed and amount held plus charged on one budget, in its unit. */
	public record RunCount(long calls, BigDecimal amount) {

		public static final RunCount ZERO = new RunCount(0, BigDecimal.ZERO);

		public RunCount plus(long calls, BigDecimal amount) {
			return new RunCount(this.calls + calls, this.amount.add(amount));
		}

	}

	/** Requests allowed and tokens held on one budget in the current minute window. */
	public record MinuteCount(long requests, long tokens) {

		public static final MinuteCount ZERO = new MinuteCount(0, 0);

		public MinuteCount plus(long requests, long tokens) {
			return new MinuteCount(this.requests + requests, this.tokens + tokens);
		}

	}

	RunCount run(UUID budgetId) {
		return this.runs.getOrDefault(budgetId, RunCount.ZERO);
	}

	MinuteCount minute(UUID budgetId) {
		return this.minutes.getOrDefault(budgetId, MinuteCount.ZERO);
	}

}
