package dev.budgetledger.client;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A change to a budget ({@code PATCH /v1/budgets/{id}}, a JSON merge patch; needs an ADMIN key): only what is set
 * here changes, and a {@code clear...} sends {@code null}, which removes an optional field. Immutable.
 *
 * <pre>{@code
 * ledger.updateBudget(id, BudgetPatch.create().allowedModels(List.of("gpt-4o-mini")).clearMaxHoldOutputTokens());
 * }</pre>
 */
public final class BudgetPatch {

	private final Map<String, @Nullable Object> fields;

	private BudgetPatch(Map<String, @Nullable Object> fields) {
		this.fields = fields;
	}

	public static BudgetPatch create() {
		return new BudgetPatch(Map.of());
	}

	private BudgetPatch with(String field, @Nullable Object value) {
		Map<String, @Nullable Object> next = new LinkedHashMap<>(this.fields);
		next.put(field, value);
		return new BudgetPatch(next);
	}

	public BudgetPatch name(String name) {
		return with("name", name);
	}

	public BudgetPatch limit(BigDecimal limit) {
		return with("limit", limit);
	}

	/** HARD or SOFT. */
	public BudgetPatch mode(String mode) {
		return with("mode", mode);
	}

	/** The models a reserve on this budget or below it may use; another is denied with MODEL_NOT_ALLOWED. */
	public BudgetPatch allowedModels(List<String> models) {
		return with("allowedModels", List.copyOf(models));
	}

	/** Every model is allowed again (as far as this budget is concerned). */
	public BudgetPatch clearAllowedModels() {
		return with("allowedModels", null);
	}

	/** The most output tokens a reservation on this budget or below it holds when made. */
	public BudgetPatch maxHoldOutputTokens(long tokens) {
		return with("maxHoldOutputTokens", tokens);
	}

	/** Holds are no longer capped by this budget. */
	public BudgetPatch clearMaxHoldOutputTokens() {
		return with("maxHoldOutputTokens", null);
	}

	/** Any other field of the API's UpdateBudgetRequest, in its JSON name; {@code null} removes it. */
	public BudgetPatch field(String name, @Nullable Object value) {
		return with(name, value);
	}

	/** The JSON object sent, nulls included. */
	public Map<String, @Nullable Object> fields() {
		return Collections.unmodifiableMap(this.fields);
	}

}
