package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.money.Amounts;

/**
 * A settle charges more above its hold than a budget of its chain allows, and that budget refuses rather than
 * caps. Says what the settle may charge, never which budget set the ceiling (it may lie above the caller's scope).
 */
public class OverrunLimitExceededException extends ApiException {

	OverrunLimitExceededException(UUID id, BigDecimal requested, @Nullable BigDecimal maxCharge,
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

}
