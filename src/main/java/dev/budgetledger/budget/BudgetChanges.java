package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A partial update (JSON merge patch): a field in {@code present} is set to its value
 * here, which for the optional caps may be null (the cap is removed); a field not in
 * {@code present} is left as it is.
 */
public record BudgetChanges(Set<String> present, @Nullable String name, @Nullable BigDecimal limit,
		@Nullable Map<String, Object> metadata, @Nullable Mode mode, @Nullable List<BigDecimal> thresholds,
		@Nullable BigDecimal downgradeAt, @Nullable BigDecimal maxAmountPerCall, @Nullable Long maxTokensPerCall,
		@Nullable Long maxCallsPerPeriod, @Nullable Integer maxConcurrentHolds, @Nullable Boolean rollover,
		@Nullable BigDecimal rolloverCap, @Nullable BigDecimal maxOverrunRatio, @Nullable BigDecimal maxOverrun,
		@Nullable OverrunAction overrunAction, @Nullable List<String> allowedModels, @Nullable Long maxHoldOutputTokens,
		RunAndMinuteCaps runAndMinute) {

	/** The fields of {@link RunAndMinuteCaps}, as a patch names them. */
	public static final List<String> RUN_AND_MINUTE_FIELDS = List.of("maxCallsPerRun", "maxAmountPerRun",
			"maxRequestsPerMinute", "maxTokensPerMinute");

	public boolean has(String field) {
		return this.present.contains(field);
	}

}
