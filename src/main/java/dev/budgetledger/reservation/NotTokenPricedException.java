package dev.budgetledger.reservation;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class NotTokenPricedException extends ApiException {

	public NotTokenPricedException(UUID id) {
		super(ProblemType.NOT_TOKEN_PRICED,
				"Reservation " + id + " was reserved as an amount; settle it with an amount, not tokens");
		with("reservationId", id);
	}

}
