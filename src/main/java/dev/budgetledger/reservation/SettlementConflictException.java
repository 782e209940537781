package dev.budgetledger.reservation;

import java.math.BigDecimal;
import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.money.Amounts;

public class SettlementConflictException extends ApiException {

	public SettlementConflictException(UUID id, BigDecimal charged, BigDecimal requested) {
		super(ProblemType.SETTLEMENT_CONFLICT, "Reservation " + id + " was settled for " + Amounts.format(charged)
				+ ", not " + Amounts.format(requested));
		with("reservationId", id);
		with("charged", Amounts.format(charged));
		with("requested", Amounts.format(requested));
	}

}
