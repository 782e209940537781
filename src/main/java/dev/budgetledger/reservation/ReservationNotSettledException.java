package dev.budgetledger.reservation;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

/** Only a settled reservation has a charge to correct. */
public class ReservationNotSettledException extends ApiException {

	public ReservationNotSettledException(UUID id, ReservationStatus status) {
		super(ProblemType.RESERVATION_NOT_SETTLED,
				"Reservation " + id + " is " + status + "; only a settled reservation's charge can be corrected");
		with("reservationId", id);
		with("reservationStatus", status);
	}

}
