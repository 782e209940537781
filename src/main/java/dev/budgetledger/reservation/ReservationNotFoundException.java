package dev.budgetledger.reservation;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class ReservationNotFoundException extends ApiException {

	public ReservationNotFoundException(UUID id) {
		super(ProblemType.RESERVATION_NOT_FOUND, "No reservation " + id);
		with("reservationId", id);
	}

}
