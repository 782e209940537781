package dev.budgetledger.reservation;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class ReservationSettledException extends ApiException {

	public ReservationSettledException(UUID id) {
		super(ProblemType.RESERVATION_SETTLED, "Reservation " + id + " was already settled; it cannot be released");
		with("reservationId", id);
		with("reservationStatus", ReservationStatus.SETTLED);
	}

}
