package dev.budgetledger.ledger;

/** Why a reservation was denied. */
public enum DenyReason {

	/** {@code limit - spent - reserved} is less than the amount asked for. */
	INSUFFICIENT_FUNDS

}
