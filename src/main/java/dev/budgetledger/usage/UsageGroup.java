package dev.budgetledger.usage;

import java.math.BigDecimal;

/**
 * The usage of one group (or of the whole report), in the budget's unit.
 *
 * @param spend what settlements, corrections and direct charges charged in the range: the
 * sum of the journal's {@code spent_delta}
 * @param inputTokens prompt tokens settled (input, cache reads and cache writes)
 * @param outputTokens completion tokens settled (output and reasoning)
 * @param callsAllowed reserves allowed in the range
 * @param callsDenied reserves denied in the range
 * @param callsSettled settlements in the range, the divisor of the average cost per call
 * @param overruns settlements that charged more than their hold
 * @param charges direct charges (spend booked without a hold); their spend and tokens are
 * in the figures above
 */
public record UsageGroup(String key, String label, BigDecimal spend, long inputTokens, long outputTokens,
		long callsAllowed, long callsDenied, long callsSettled, long overruns, long charges) {

	static UsageGroup empty(String key, String label) {
		return new UsageGroup(key, label, BigDecimal.ZERO, 0, 0, 0, 0, 0, 0, 0);
	}

	UsageGroup plus(UsageGroup other) {
		return new UsageGroup(this.key, this.label, this.spend.add(other.spend), this.inputTokens + other.inputTokens,
				this.outputTokens + other.outputTokens, this.callsAllowed + other.callsAllowed,
				this.callsDenied + other.callsDenied, this.callsSettled + other.callsSettled,
				this.overruns + other.overruns, this.charges + other.charges);
	}

	/** The same figures under another label. */
	public UsageGroup withLabel(String label) {
		return new UsageGroup(this.key, label, this.spend, this.inputTokens, this.outputTokens, this.callsAllowed,
				this.callsDenied, this.callsSettled, this.overruns, this.charges);
	}

}
