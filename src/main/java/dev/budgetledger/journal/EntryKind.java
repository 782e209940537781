package dev.budgetledger.journal;

/** The movements the journal records. */
public enum EntryKind {

	/** A budget was created with its first limit. */
	OPEN,
	/** The limit was changed. */
	LIMIT_CHANGE,
	/** A hold was placed: reserved goes up. */
	RESERVE,
	/**
	 * A reservation was charged: spent goes up, its hold (if still held) comes off
	 * reserved.
	 */
	SETTLE,
	/** A hold was given back by the caller. */
	RELEASE,
	/** A hold ran past its expiry and was given back by the service. */
	EXPIRE,
	/**
	 * A new period began: spent went back to zero; {@code carriedOver} is what rollover
	 * carried into it.
	 */
	PERIOD_RESET,
	/** The budget was frozen (the note says why). */
	FREEZE,
	/** The budget was unfrozen. */
	UNFREEZE,
	/** The mode (HARD or SOFT) was changed; the note is the new mode. */
	MODE_CHANGE,
	/**
	 * An ADMIN corrected what a settled reservation was charged (a reversal when to
	 * zero): spent moves by the change, the amount is the net charge after it, the note
	 * is the reason. The SETTLE it corrects stays.
	 */
	ADJUST,
	/**
	 * Spend that already happened, booked without a hold (a direct charge,
	 * {@code charge_id}): spent moves by it, past any limit; the amount is the same, in
	 * the budget's unit; the note is its reason.
	 */
	CHARGE,
	/**
	 * A held reservation grew or shrank (extend with {@code maxOutputTokens} or
	 * {@code amount}): reserved moves by the change, either sign; the amount is the hold
	 * on that level after it. Spent does not move.
	 */
	RESIZE,
	/** The budget was closed: no new holds on it or below it. Nothing moves. */
	CLOSE,
	/** The budget was reopened. Nothing moves. */
	REOPEN

}
