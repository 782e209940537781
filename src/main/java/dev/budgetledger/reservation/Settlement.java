package dev.budgetledger.reservation;

import dev.budgetledger.budget.Budget;
import java.math.BigDecimal;
import java.util.List;

/**
 * A reservation after settle, release or extend, with what its budget has left (in its
 * {@code unit}) and the alert thresholds the change crossed (warnings such as
 * {@code THRESHOLD_80}).
 */
public record Settlement(Reservation reservation, BigDecimal available, String unit, List<String> warnings) {

	public Settlement(Reservation reservation, Budget budget) {
		this(reservation, budget.available(), budget.unit(), List.of());
	}

}
