package dev.budgetledger.reservation;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/** The decision on a reservation: a hold, or a reasoned no. */
public sealed interface ReserveOutcome {

	/**
	 * The hold was placed; {@code available} is what the budget has left after it.
	 *
	 * @param warnings {@code OVER_LIMIT} (a SOFT budget went over) and
	 * {@code THRESHOLD_<percent>} for each alert threshold this reservation crossed first
	 * in the period
	 */
	record Allowed(Reservation reservation, BigDecimal available, String unit, List<String> warnings,
			List<ThresholdCrossing> crossings) implements ReserveOutcome {
	}

	/**
	 * Nothing was held. {@code requested} and {@code available} are in the limiting
	 * budget's unit.
	 *
	 * @param limitedAbove whether the limiting budget lies above the caller's scope: its
	 * identity and figures are then not the caller's to see
	 * @param runId the run the reserve named, if any
	 * @param retryAfterSeconds for a minute window's deny, seconds until the next window
	 * (when waiting can help)
	 */
	record Denied(DenyReason reason, UUID budgetId, UUID limitingBudgetId, String unit, BigDecimal requested,
			BigDecimal available, boolean limitedAbove, @Nullable String runId,
			@Nullable Long retryAfterSeconds) implements ReserveOutcome {

		public Denied(DenyReason reason, UUID budgetId, UUID limitingBudgetId, String unit, BigDecimal requested,
				BigDecimal available, boolean limitedAbove) {
			this(reason, budgetId, limitingBudgetId, unit, requested, available, limitedAbove, null, null);
		}

	}

	record ThresholdCrossing(UUID budgetId, BigDecimal threshold) {
	}

}
