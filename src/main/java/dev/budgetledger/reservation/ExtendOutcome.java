package dev.budgetledger.reservation;

/**
 * What an extend answered: the hold as it stands now, or a growth that did not fit (the
 * hold is as it was).
 */
public sealed interface ExtendOutcome {

	record Extended(Settlement settlement) implements ExtendOutcome {
	}

	record Denied(ReserveOutcome.Denied denial) implements ExtendOutcome {
	}

}
