package dev.budgetledger.budget;

/** What a settle beyond a budget's overrun ceiling gets ({@link OverrunPolicy}). */
public enum OverrunAction {

	/**
	 * The settle is refused (422 OVERRUN_LIMIT_EXCEEDED) and the hold stays as it was.
	 */
	REJECT,

	/**
	 * The settle charges the ceiling, and the reservation records what was asked
	 * ({@code claimed}).
	 */
	CAP

}
