package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The rules a budget applies to each reservation besides its limit.
 *
 * @param thresholds fractions of the limit whose crossing is recorded once per period and
 * reported as a warning
 * @param downgradeAt fraction of the limit above which a reservation with fallback models
 * uses a fallback
 * @param overrun how far above its hold a settle may charge
 * @param allowedModels the models a reserve on this budget or below it may use
 * ({@code null}: any); names compare by the catalog's alias rules
 * ({@code pricing.ModelNames.allows})
 * @param maxHoldOutputTokens the most output tokens a reservation on this budget or below
 * it holds when it is made: a reserve asking more (or leaving its model's default) is
 * held at this many, as a capped allow, but never at fewer than its own
 * {@code minOutputTokens}; a hold may grow beyond it later, decided like a reserve
 * @param runAndMinute the caps per run and per minute
 */
public record BudgetPolicy(Mode mode, List<BigDecimal> thresholds, @Nullable BigDecimal downgradeAt,
		@Nullable BigDecimal maxAmountPerCall, @Nullable Long maxTokensPerCall, @Nullable Long maxCallsPerPeriod,
		@Nullable Integer maxConcurrentHolds, OverrunPolicy overrun, @Nullable List<String> allowedModels,
		@Nullable Long maxHoldOutputTokens, RunAndMinuteCaps runAndMinute) {

	/** A policy without caps per run or per minute. */
	public BudgetPolicy(Mode mode, List<BigDecimal> thresholds, @Nullable BigDecimal downgradeAt,
			@Nullable BigDecimal maxAmountPerCall, @Nullable Long maxTokensPerCall, @Nullable Long maxCallsPerPeriod,
			@Nullable Integer maxConcurrentHolds, OverrunPolicy overrun, @Nullable List<String> allowedModels,
			@Nullable Long maxHoldOutputTokens) {
		this(mode, thresholds, downgradeAt, maxAmountPerCall, maxTokensPerCall, maxCallsPerPeriod, maxConcurrentHolds,
				overrun, allowedModels, maxHoldOutputTokens, RunAndMinuteCaps.NONE);
	}

	/** A policy that allows every model and holds every output token asked for. */
	public BudgetPolicy(Mode mode, List<BigDecimal> thresholds, @Nullable BigDecimal downgradeAt,
			@Nullable BigDecimal maxAmountPerCall, @Nullable Long maxTokensPerCall, @Nullable Long maxCallsPerPeriod,
			@Nullable Integer maxConcurrentHolds, OverrunPolicy overrun) {
		this(mode, thresholds, downgradeAt, maxAmountPerCall, maxTokensPerCall, maxCallsPerPeriod, maxConcurrentHolds,
				overrun, null, null);
	}

	/** A policy with the default overrun ceiling. */
	public BudgetPolicy(Mode mode, List<BigDecimal> thresholds, @Nullable BigDecimal downgradeAt,
			@Nullable BigDecimal maxAmountPerCall, @Nullable Long maxTokensPerCall, @Nullable Long maxCallsPerPeriod,
			@Nullable Integer maxConcurrentHolds) {
		this(mode, thresholds, downgradeAt, maxAmountPerCall, maxTokensPerCall, maxCallsPerPeriod, maxConcurrentHolds,
				OverrunPolicy.DEFAULT);
	}

	public static final List<BigDecimal> DEFAULT_THRESHOLDS = List.of(new BigDecimal("0.5"), new BigDecimal("0.8"),
			new BigDecimal("0.95"), BigDecimal.ONE);

}
