package dev.budgetledger.pricing;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How calls are priced when the catalog does not say it all ({@code budget-ledger.pricing.*}).
 *
 * @param defaultMaxOutputTokens output tokens held for a call that sets no limit, on a model whose price names no
 * {@code defaultMaxOutputTokens} of its own: never unbounded, because the hold is the most the call may cost
 * @param unknownModelPriceOf a model in the catalog whose price a model the catalog cannot resolve is charged at;
 * empty (the default) denies such a reserve with {@code UNKNOWN_MODEL}
 */
@ConfigurationProperties("budget-ledger.pricing")
public record PricingSettings(@DefaultValue("4096") long defaultMaxOutputTokens,
		@Nullable String unknownModelPriceOf) {

	public PricingSettings {
		if (defaultMaxOutputTokens < 1 || defaultMaxOutputTokens > 100_000_000L) {
			throw new IllegalArgumentException("default-max-output-tokens must be between 1 and 100000000");
		}
		if (unknownModelPriceOf != null && unknownModelPriceOf.isBlank()) {
			unknownModelPriceOf = null;
		}
	}

}
