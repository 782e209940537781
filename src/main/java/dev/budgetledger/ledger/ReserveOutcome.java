package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.util.UUID;

/** The decision on a reservation: a hold, or a reasoned no. */
public sealed interface ReserveOutcome {

	/** The hold was placed; {@code available} is what the budget has left after it. */
	record Allowed(Reservation reservation, BigDecimal available) implements ReserveOutcome {
	}

	/** Nothing was held. */
	record Denied(DenyReason reason, UUID budgetId, BigDecimal requested, BigDecimal available)
			implements ReserveOutcome {
	}

}
