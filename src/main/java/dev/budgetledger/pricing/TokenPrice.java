package dev.budgetledger.pricing;

import java.math.BigDecimal;

/**
 * What one model costs per million input and output tokens. A reservation captures it, so a settlement is priced
 * exactly as its estimate was, whatever the catalog says by then.
 */
public record TokenPrice(String model, String currency, BigDecimal inputPerMillion, BigDecimal outputPerMillion) {

	/** Exact cost: no rounding, because dividing by 10^6 only moves the decimal point. */
	public BigDecimal cost(long inputTokens, long outputTokens) {
		return this.inputPerMillion.multiply(BigDecimal.valueOf(inputTokens))
			.add(this.outputPerMillion.multiply(BigDecimal.valueOf(outputTokens)))
			.movePointLeft(6);
	}

}
