package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.money.Amounts;

/**
 * What a parent's children for subjects are created with: everything a new budget has but
 * its name and parent (docs/budgets.md, "Per-user budgets on demand"). Read and checked
 * as a create body is ({@link BudgetRules}); stored and shown as {@link #view()}, with
 * every decimal as an exact string.
 */
public record ChildTemplate(String unit, BigDecimal limit, Period period, ZoneId timezone, boolean rollover,
		@Nullable BigDecimal rolloverCap, BudgetPolicy policy, Map<String, Object> metadata) {

	/** The most characters a subject has; child names are cut to fit the name column. */
	public static final int MAX_SUBJECT = 128;

	/** Longest budget name (the column's width, in characters). */
	static final int MAX_NAME = 200;

	/** The template of a checked create body; its name and parent are not part of it. */
	public static ChildTemplate of(NewBudget spec) {
		return new ChildTemplate(spec.unit(), spec.limit(), spec.period(), spec.timezone(), spec.rollover(),
				spec.rolloverCap(), spec.policy(), spec.metadata());
	}

	/**
	 * The child of {@code parent} for {@code subject}: named
	 * {@code <parent name>/<subject>} (the parent's name cut short when both would not
	 * fit 200 characters).
	 */
	public NewBudget child(Budget parent, String subject) {
		int room = MAX_NAME - 1 - subject.codePointCount(0, subject.length());
		String prefix = parent.name();
		if (prefix.codePointCount(0, prefix.length()) > room) {
			prefix = prefix.substring(0, prefix.offsetByCodePoints(0, room));
		}
		return new NewBudget(prefix + "/" + subject, parent.id(), this.unit, this.limit, this.period, this.timezone,
				this.rollover, this.rolloverCap, this.policy, this.metadata);
	}

	/** The template as a create body of a root budget, to check it by the same rules. */
	public NewBudget spec() {
		return new NewBudget("template", null, this.unit, this.limit, this.period, this.timezone, this.rollover,
				this.rolloverCap, this.policy, this.metadata);
	}

	/**
	 * The template as the API shows it and the database stores it: the fields of a create
	 * body, decimals as strings, optional caps left out when not set.
	 */
	public Map<String, Object> view() {
		boolean tokens = Budget.TOKENS.equals(this.unit);
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("unit", this.unit);
		view.put("limit", Amounts.format(this.limit, tokens));
		view.put("period", this.period.name());
		view.put("timezone", this.timezone.getId());
		view.put("rollover", this.rollover);
		putIfSet(view, "rolloverCap", (this.rolloverCap != null) ? Amounts.format(this.rolloverCap, tokens) : null);
		view.put("mode", this.policy.mode().name());
		view.put("thresholds", this.policy.thresholds().stream().map(ChildTemplate::fraction).toList());
		putIfSet(view, "downgradeAt", (this.policy.downgradeAt() != null) ? fraction(this.policy.downgradeAt()) : null);
		putIfSet(view, "maxAmountPerCall", Amounts.formatOrNull(this.policy.maxAmountPerCall()));
		putIfSet(view, "maxTokensPerCall", this.policy.maxTokensPerCall());
		putIfSet(view, "maxCallsPerPeriod", this.policy.maxCallsPerPeriod());
		putIfSet(view, "maxConcurrentHolds", this.policy.maxConcurrentHolds());
		view.put("maxOverrunRatio", fraction(this.policy.overrun().maxRatio()));
		putIfSet(view, "maxOverrun",
				(this.policy.overrun().max() != null) ? Amounts.format(this.policy.overrun().max(), tokens) : null);
		view.put("overrunAction", this.policy.overrun().action().name());
		putIfSet(view, "allowedModels", this.policy.allowedModels());
		putIfSet(view, "maxHoldOutputTokens", this.policy.maxHoldOutputTokens());
		RunAndMinuteCaps caps = this.policy.runAndMinute();
		putIfSet(view, "maxCallsPerRun", caps.maxCallsPerRun());
		putIfSet(view, "maxAmountPerRun",
				(caps.maxAmountPerRun() != null) ? Amounts.format(caps.maxAmountPerRun(), tokens) : null);
		putIfSet(view, "maxRequestsPerMinute", caps.maxRequestsPerMinute());
		putIfSet(view, "maxTokensPerMinute", caps.maxTokensPerMinute());
		view.put("metadata", this.metadata);
		return view;
	}

	/** A template as {@link #view()} wrote it. */
	@SuppressWarnings("unchecked")
	public static ChildTemplate read(Map<String, Object> view) {
		List<BigDecimal> thresholds = new ArrayList<>();
		for (Object threshold : (List<Object>) view.getOrDefault("thresholds", List.of())) {
			thresholds.add(decimal(threshold));
		}
		Object models = view.get("allowedModels");
		Object metadata = view.get("metadata");
		BudgetPolicy policy = new BudgetPolicy(Mode.valueOf(text(view, "mode")), List.copyOf(thresholds),
				decimalOrNull(view.get("downgradeAt")), decimalOrNull(view.get("maxAmountPerCall")),
				longOrNull(view.get("maxTokensPerCall")), longOrNull(view.get("maxCallsPerPeriod")),
				intOrNull(view.get("maxConcurrentHolds")),
				new OverrunPolicy(decimal(view.get("maxOverrunRatio")), decimalOrNull(view.get("maxOverrun")),
						OverrunAction.valueOf(text(view, "overrunAction"))),
				(models != null) ? List.copyOf((List<String>) models) : null,
				longOrNull(view.get("maxHoldOutputTokens")),
				new RunAndMinuteCaps(longOrNull(view.get("maxCallsPerRun")), decimalOrNull(view.get("maxAmountPerRun")),
						longOrNull(view.get("maxRequestsPerMinute")), longOrNull(view.get("maxTokensPerMinute"))));
		return new ChildTemplate(text(view, "unit"), decimal(view.get("limit")), Period.valueOf(text(view, "period")),
				ZoneId.of(text(view, "timezone")), Boolean.TRUE.equals(view.get("rollover")),
				decimalOrNull(view.get("rolloverCap")), policy,
				(metadata != null) ? (Map<String, Object>) metadata : Map.of());
	}

	private static String text(Map<String, Object> view, String field) {
		if (!(view.get(field) instanceof String text)) {
			throw new IllegalStateException("A stored child template lacks its " + field);
		}
		return text;
	}

	private static String fraction(BigDecimal value) {
		return value.stripTrailingZeros().toPlainString();
	}

	private static void putIfSet(Map<String, Object> view, String field, @Nullable Object value) {
		if (value != null) {
			view.put(field, value);
		}
	}

	private static BigDecimal decimal(@Nullable Object value) {
		BigDecimal decimal = decimalOrNull(value);
		if (decimal == null) {
			throw new IllegalStateException("A stored child template lacks a required figure");
		}
		return decimal;
	}

	private static @Nullable BigDecimal decimalOrNull(@Nullable Object value) {
		if (value == null) {
			return null;
		}
		return (value instanceof BigDecimal decimal) ? decimal : new BigDecimal(value.toString());
	}

	private static @Nullable Long longOrNull(@Nullable Object value) {
		return (value != null) ? Long.valueOf(((Number) value).longValue()) : null;
	}

	private static @Nullable Integer intOrNull(@Nullable Object value) {
		return (value != null) ? Integer.valueOf(((Number) value).intValue()) : null;
	}

}
