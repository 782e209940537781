package dev.budgetledger.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

import org.jspecify.annotations.Nullable;

/**
 * What one model costs per million tokens of each kind. A reservation captures it, so a
 * settlement is priced exactly as its estimate was, whatever the catalog says by then.
 * Kinds without their own price cost what their plain counterpart costs: cache reads and
 * writes the input price, reasoning the output price.
 */
public record TokenPrice(String model, String currency, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
		@Nullable BigDecimal cacheReadPerMillion, @Nullable BigDecimal cacheWritePerMillion,
		@Nullable BigDecimal reasoningPerMillion) {

	private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

	public TokenPrice(String model, String currency, BigDecimal inputPerMillion, BigDecimal outputPerMillion) {
		this(model, currency, inputPerMillion, outputPerMillion, null, null, null);
	}

	/** Exact cost: no rounding, because dividing by 10^6 only moves the decimal point. */
	public BigDecimal cost(long inputTokens, long outputTokens) {
		return cost(new Usage(inputTokens, outputTokens, 0, 0, 0));
	}

	public BigDecimal cost(Usage usage) {
		return times(this.inputPerMillion, usage.inputTokens()).add(times(this.outputPerMillion, usage.outputTokens()))
			.add(times(orElse(this.cacheReadPerMillion, this.inputPerMillion), usage.cacheReadTokens()))
			.add(times(orElse(this.cacheWritePerMillion, this.inputPerMillion), usage.cacheWriteTokens()))
			.add(times(orElse(this.reasoningPerMillion, this.outputPerMillion), usage.reasoningTokens()))
			.movePointLeft(6);
	}

	/**
	 * The worst case for a call: every input token at the dearest input rate (a cache
	 * write can cost more than plain input) and every possible output token at the
	 * dearest output rate (reasoning included).
	 */
	public BigDecimal estimate(long inputTokens, long maxOutputTokens) {
		return times(worstInput(), inputTokens).add(times(worstOutput(), maxOutputTokens)).movePointLeft(6);
	}

	/**
	 * The most output tokens whose worst-case estimate, with {@code inputTokens}, stays
	 * within {@code room}.
	 */
	public long maxOutputTokensWithin(BigDecimal room, long inputTokens) {
		BigDecimal left = room.subtract(estimate(inputTokens, 0));
		if (left.signum() < 0) {
			return -1;
		}
		if (worstOutput().signum() == 0) {
			return Long.MAX_VALUE;
		}
		return left.multiply(MILLION)
			.divide(worstOutput(), 0, RoundingMode.FLOOR)
			.min(BigDecimal.valueOf(Long.MAX_VALUE))
			.longValue();
	}

	private BigDecimal worstInput() {
		return this.inputPerMillion.max(orElse(this.cacheWritePerMillion, this.inputPerMillion));
	}

	private BigDecimal worstOutput() {
		return this.outputPerMillion.max(orElse(this.reasoningPerMillion, this.outputPerMillion));
	}

	private static BigDecimal times(BigDecimal price, long tokens) {
		return price.multiply(BigDecimal.valueOf(tokens));
	}

	private static BigDecimal orElse(@Nullable BigDecimal value, BigDecimal fallback) {
		return (value != null) ? value : fallback;
	}

	/**
	 * Tokens a call actually used, by kind. {@code inputTokens} excludes cached input and
	 * {@code outputTokens} excludes reasoning tokens that are reported separately, so
	 * nothing is counted twice.
	 */
	public record Usage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
			long reasoningTokens) {

		public long total() {
			return this.inputTokens + this.outputTokens + this.cacheReadTokens + this.cacheWriteTokens
					+ this.reasoningTokens;
		}

	}

}
