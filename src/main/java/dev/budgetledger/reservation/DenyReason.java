package dev.budgetledger.reservation;

/** Why a reservation was denied, in the order the checks are made. */
public enum DenyReason {

	/**
	 * The budget or one of its ancestors is closed ({@code POST /v1/budgets/{id}/close}).
	 */
	BUDGET_CLOSED,
	/** The budget or one of its ancestors is frozen. */
	BUDGET_FROZEN,
	/**
	 * The budget or one of its ancestors has {@code allowedModels} and neither the model
	 * asked for nor any of its fallbacks is on every such list (a reserve by amount names
	 * no model, so no list admits it).
	 */
	MODEL_NOT_ALLOWED,
	/**
	 * The call asks for more than {@code maxAmountPerCall} or {@code maxTokensPerCall}.
	 */
	PER_CALL_LIMIT,
	/** {@code maxConcurrentHolds} reservations are already held. */
	CONCURRENCY_LIMIT,
	/** {@code maxCallsPerPeriod} reservations were already allowed this period. */
	CALL_LIMIT,
	/**
	 * {@code maxCallsPerRun} reservations of the reserve's run ({@code runId}) were
	 * already allowed.
	 */
	RUN_CALL_LIMIT,
	/**
	 * {@code maxRequestsPerMinute} reservations were already allowed in this minute
	 * window; the answer says when the next one starts ({@code retryAfterSeconds}).
	 */
	REQUEST_RATE_LIMIT,
	/**
	 * What the run holds and was charged, plus this hold, would exceed
	 * {@code maxAmountPerRun}.
	 */
	RUN_AMOUNT_LIMIT,
	/**
	 * {@code limit - spent - reserved} is less than the amount asked for, on a HARD
	 * budget.
	 */
	INSUFFICIENT_FUNDS,
	/**
	 * The tokens held in this minute window, plus this hold's, would exceed
	 * {@code maxTokensPerMinute}; the answer says when the next window starts, unless the
	 * hold alone exceeds the cap (waiting would not help).
	 */
	TOKEN_RATE_LIMIT

}
