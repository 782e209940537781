package dev.budgetledger.reservation;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class ReservationReleasedException extends ApiException {

	public ReservationReleasedException(UUID id) {
		super(ProblemType.RESERVATION_RELEASED, "Reservation " + id + " was released; nothing can be settled on it");
		with("reservationId", id);
		with("reservationStatus", ReservationStatus.RELEASED);
	}

}
