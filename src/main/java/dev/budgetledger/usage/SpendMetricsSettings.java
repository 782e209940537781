package dev.budgetledger.usage;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Spend in Prometheus ({@code budget-ledger.spend-metrics.*}, {@link SpendMetrics}).
 *
 * @param enabled whether the spend gauges are read and published at all
 * @param maxBudgets the root budgets published by name (those that spent most this
 * period); the rest are summed under {@code budget="other"}
 * @param maxModels the models published by name (those that spent most in the last 24
 * hours); the rest are summed under {@code model="other"}
 * @param refresh how often the figures are read from the database
 */
@ConfigurationProperties("budget-ledger.spend-metrics")
record SpendMetricsSettings(@DefaultValue("true") boolean enabled, @DefaultValue("20") int maxBudgets,
		@DefaultValue("20") int maxModels, @DefaultValue("60s") Duration refresh) {

	/** Every name is a time series in every scrape: a few hundred at most. */
	static final int MOST = 200;

	SpendMetricsSettings {
		if (maxBudgets < 1 || maxBudgets > MOST) {
			throw new IllegalArgumentException("spend-metrics.max-budgets must be between 1 and " + MOST);
		}
		if (maxModels < 1 || maxModels > MOST) {
			throw new IllegalArgumentException("spend-metrics.max-models must be between 1 and " + MOST);
		}
		if (refresh.compareTo(Duration.ofSeconds(1)) < 0) {
			throw new IllegalArgumentException("spend-metrics.refresh must be at least 1s");
		}
	}

}
