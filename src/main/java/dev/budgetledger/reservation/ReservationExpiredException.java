package dev.budgetledger.reservation;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class ReservationExpiredException extends ApiException {

	public ReservationExpiredException(UUID id, ReservationStatus status) {
		super(ProblemType.RESERVATION_EXPIRED,
				"Reservation " + id + " is no longer held (" + status + "); it cannot be extended");
		with("reservationId", id);
		with("reservationStatus", status);
	}

}
