package dev.budgetledger.reservation;

import java.math.BigDecimal;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * What a reservation asks for: one or more options in order of preference (the requested
 * model first, then its fallbacks), all in one currency ({@code null}: the currency of
 * the budgets it is made on).
 *
 * @param minOutputTokens when set, an option whose full {@code maxOutputTokens} does not
 * fit may be allowed with fewer output tokens, but not fewer than this
 */
public record Ask(@Nullable String currency, List<Option> options, @Nullable Long minOutputTokens) {

	public Ask {
		if (options.isEmpty()) {
			throw new IllegalArgumentException("An ask needs at least one option");
		}
	}

	public Ask withCurrency(String resolved) {
		return new Ask(resolved, this.options, this.minOutputTokens);
	}

	public Option requested() {
		return this.options.get(0);
	}

	/**
	 * One way to make the call: a money amount, and for token-priced calls the model's
	 * price and token counts.
	 */
	public record Option(@Nullable TokenPrice price, BigDecimal amount, @Nullable Long inputTokens,
			@Nullable Long maxOutputTokens) {

		public static Option priced(TokenPrice price, long inputTokens, long maxOutputTokens) {
			return new Option(price, price.estimate(inputTokens, maxOutputTokens), inputTokens, maxOutputTokens);
		}

		public static Option amount(BigDecimal amount) {
			return new Option(null, amount, null, null);
		}

		/** Tokens held on token budgets: input plus every possible output token. */
		public @Nullable Long tokens() {
			return (this.inputTokens != null && this.maxOutputTokens != null) ? this.inputTokens + this.maxOutputTokens
					: null;
		}

		public @Nullable String model() {
			return (this.price != null) ? this.price.model() : null;
		}

	}

}
