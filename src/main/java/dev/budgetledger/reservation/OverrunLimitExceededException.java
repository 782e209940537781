package dev.budgetledger.reservation;

import java.math.BigDecimal;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.money.Amounts;

/**
 * A settle (or a direct charge) charges more above its hold than a budget of its chain
 * allows, and that budget refuses rather than caps. Says what the settle may charge,
 * never which budget set the ceiling (it may lie above the caller's scope).
 */
public class OverrunLimitExceededException extends ApiException {

	public OverrunLimitExceededException(UUID id, BigDecimal requested, @Nullable BigDecimal maxCharge,
			@Nullable BigDecimal maxChargedTokens) {
		super(ProblemType.OVERRUN_LIMIT_EXCEEDED, "Settling reservation " + id + " for " + Amounts.format(requested)
				+ " exceeds what a settle may charge above its hold; settle within the ceiling, or ask an admin");
		with("reservationId", id);
		with("requested", Amounts.format(requested));
		if (maxCharge != null) {
			with("maxCharge", Amounts.format(maxCharge));
		}
		if (maxChargedTokens != null) {
			with("maxChargedTokens", maxChargedTokens.longValueExact());
		}
	}

	/**
	 * A direct charge by a non-ADMIN key goes further past a budget's room than its
	 * overrun policy allows.
	 */
	public OverrunLimitExceededException(UUID budgetId, BigDecimal requested, @Nullable Long requestedTokens,
			@Nullable BigDecimal maxCharge, @Nullable BigDecimal maxChargedTokens) {
		super(ProblemType.OVERRUN_LIMIT_EXCEEDED,
				"Charging budget " + budgetId + " " + Amounts.format(requested)
						+ " goes further past what its chain has available than the overrun policy lets this key book;"
						+ " charge within the ceiling, or ask an admin");
		with("budgetId", budgetId);
		with("requested", Amounts.format(requested));
		if (requestedTokens != null) {
			with("requestedTokens", requestedTokens.longValue());
		}
		if (maxCharge != null) {
			with("maxCharge", Amounts.format(maxCharge));
		}
		if (maxChargedTokens != null) {
			with("maxChargedTokens", maxChargedTokens.longValueExact());
		}
	}

}
