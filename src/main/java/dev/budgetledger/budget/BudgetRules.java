package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;

/** Rules a budget's configuration must keep, whether it is created or patched. */
public final class BudgetRules {

	/** Levels of nesting, root included. */
	public static final int MAX_DEPTH = 8;

	static final int MAX_THRESHOLDS = 10;

	private BudgetRules() {
	}

	public static void check(NewBudget spec) {
		boolean tokens = Budget.TOKENS.equals(spec.unit());
		checkAmount("limit", spec.limit(), tokens);
		checkAmount("rolloverCap", spec.rolloverCap(), tokens);
		checkPolicy(spec.policy().maxAmountPerCall(), spec.policy().thresholds(), tokens);
		checkAmount("maxOverrun", spec.policy().overrun().max(), tokens);
		checkAmount("maxAmountPerRun", spec.policy().runAndMinute().maxAmountPerRun(), tokens);
	}

	public static void check(Budget budget, BudgetChanges changes) {
		boolean tokens = budget.countsTokens();
		if (changes.has("limit")) {
			if (changes.limit() == null) {
				throw new InvalidRequestException("limit", "cannot be removed");
			}
			checkAmount("limit", changes.limit(), tokens);
		}
		for (String required : List.of("name", "mode", "thresholds", "rollover", "metadata", "maxOverrunRatio",
				"overrunAction")) {
			if (changes.has(required) && isNull(changes, required)) {
				throw new InvalidRequestException(required, "cannot be null");
			}
		}
		checkAmount("rolloverCap", changes.rolloverCap(), tokens);
		checkAmount("maxOverrun", changes.maxOverrun(), tokens);
		checkAmount("maxAmountPerRun", changes.runAndMinute().maxAmountPerRun(), tokens);
		checkPolicy(changes.maxAmountPerCall(), (changes.thresholds() != null) ? changes.thresholds() : List.of(),
				tokens);
	}

	private static boolean isNull(BudgetChanges changes, String field) {
		return switch (field) {
			case "name" -> changes.name() == null;
			case "mode" -> changes.mode() == null;
			case "thresholds" -> changes.thresholds() == null;
			case "rollover" -> changes.rollover() == null;
			case "metadata" -> changes.metadata() == null;
			case "maxOverrunRatio" -> changes.maxOverrunRatio() == null;
			case "overrunAction" -> changes.overrunAction() == null;
			default -> false;
		};
	}

	private static void checkAmount(String field, @Nullable BigDecimal amount, boolean tokens) {
		if (amount != null && tokens && amount.stripTrailingZeros().scale() > 0) {
			throw new InvalidRequestException(field, "must be a whole number of tokens");
		}
	}

	private static void checkPolicy(@Nullable BigDecimal maxAmountPerCall, List<BigDecimal> thresholds,
			boolean tokens) {
		if (tokens && maxAmountPerCall != null) {
			throw new InvalidRequestException("maxAmountPerCall", "a token budget caps calls with maxTokensPerCall");
		}
		if (thresholds.size() > MAX_THRESHOLDS) {
			throw new InvalidRequestException("thresholds", "at most " + MAX_THRESHOLDS + " thresholds");
		}
		for (BigDecimal threshold : thresholds) {
			if (threshold == null || threshold.signum() <= 0 || threshold.compareTo(BigDecimal.TEN) > 0
					|| threshold.stripTrailingZeros().scale() > 4) {
				throw new InvalidRequestException("thresholds",
						"each threshold is a fraction of the limit above 0 and at most 10, with at most 4 decimals");
			}
		}
	}

}
