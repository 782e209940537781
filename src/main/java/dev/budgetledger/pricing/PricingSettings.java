package dev.budgetledger.pricing;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How calls are priced when the catalog does not say it all
 * ({@code budget-ledger.pricing.*}).
 *
 * @param defaultMaxOutputTokens output tokens held for a call that sets no limit, on a
 * model whose price names no {@code defaultMaxOutputTokens} of its own: never unbounded,
 * because the hold is the most the call may cost
 * @param unknownModelPriceOf a model in the catalog whose price a model the catalog
 * cannot resolve is charged at; empty (the default) denies such a reserve with
 * {@code UNKNOWN_MODEL}
 * @param refreshInterval how often an instance checks the catalog for changes made
 * through another instance (the catalog is held in memory; the instance that makes a
 * change sees it at once): the bound on how stale a price can be on the other instances
 */
@ConfigurationProperties("budget-ledger.pricing")
public record PricingSettings(@DefaultValue("4096") long defaultMaxOutputTokens, @Nullable String unknownModelPriceOf,
		@DefaultValue("1s") Duration refreshInterval) {

	public PricingSettings {
		if (defaultMaxOutputTokens < 1 || defaultMaxOutputTokens > 100_000_000L) {
			throw new IllegalArgumentException("default-max-output-tokens must be between 1 and 100000000");
		}
		if (refreshInterval.isNegative() || refreshInterval.isZero()
				|| refreshInterval.compareTo(Duration.ofHours(1)) > 0) {
			throw new IllegalArgumentException("refresh-interval must be more than 0 and at most 1h");
		}
		if (unknownModelPriceOf != null && unknownModelPriceOf.isBlank()) {
			unknownModelPriceOf = null;
		}
	}

}
