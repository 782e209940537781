package dev.budgetledger.budget;

/** What happens when a reservation does not fit the limit. */
public enum Mode {

	/** It is denied. */
	HARD,
	/** It is allowed, with the warning OVER_LIMIT. */
	SOFT

}
