package dev.budgetledger.reservation;

/**
 * HELD is the only non-terminal state; EXPIRED may still become SETTLED by a late
 * settlement.
 */
public enum ReservationStatus {

	HELD, SETTLED, RELEASED, EXPIRED

}
