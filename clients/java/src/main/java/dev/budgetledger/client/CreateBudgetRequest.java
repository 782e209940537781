package dev.budgetledger.client;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/** A new budget (needs an ADMIN key). The service's other options are in openapi.yaml. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateBudgetRequest(String name, BigDecimal limit, @Nullable String unit, @Nullable UUID parentId,
		@Nullable String period, @Nullable String mode, @Nullable BigDecimal downgradeAt,
		@Nullable Map<String, Object> metadata, @Nullable List<String> allowedModels,
		@Nullable Long maxHoldOutputTokens) {

	public CreateBudgetRequest {
		allowedModels = (allowedModels != null) ? List.copyOf(allowedModels) : null;
	}

	/** The request as it was before allowed models and hold caps. */
	public CreateBudgetRequest(String name, BigDecimal limit, @Nullable String unit, @Nullable UUID parentId,
			@Nullable String period, @Nullable String mode, @Nullable BigDecimal downgradeAt,
			@Nullable Map<String, Object> metadata) {
		this(name, limit, unit, parentId, period, mode, downgradeAt, metadata, null, null);
	}

	public static CreateBudgetRequest of(String name, BigDecimal limit) {
		return new CreateBudgetRequest(name, limit, null, null, null, null, null, null);
	}

	public CreateBudgetRequest withParent(UUID parentId) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, parentId, this.period, this.mode,
				this.downgradeAt, this.metadata, this.allowedModels, this.maxHoldOutputTokens);
	}

	public CreateBudgetRequest withPeriod(String period) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, this.parentId, period, this.mode,
				this.downgradeAt, this.metadata, this.allowedModels, this.maxHoldOutputTokens);
	}

	/** Above this fraction of the limit, reservations that name fallback models get a fallback. */
	public CreateBudgetRequest withDowngradeAt(BigDecimal fraction) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, this.parentId, this.period, this.mode,
				fraction, this.metadata, this.allowedModels, this.maxHoldOutputTokens);
	}

	/**
	 * The models a reserve on this budget or below it may use; another is denied with {@code MODEL_NOT_ALLOWED}
	 * (or downgraded to its first allowed fallback).
	 */
	public CreateBudgetRequest withAllowedModels(List<String> models) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, this.parentId, this.period, this.mode,
				this.downgradeAt, this.metadata, models, this.maxHoldOutputTokens);
	}

	/**
	 * The most output tokens a reservation on this budget or below it holds when made (it is then
	 * {@code capped}); the hold may grow later ({@link BudgetLedgerClient#extend(UUID, ExtendRequest)}).
	 */
	public CreateBudgetRequest withMaxHoldOutputTokens(long tokens) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, this.parentId, this.period, this.mode,
				this.downgradeAt, this.metadata, this.allowedModels, tokens);
	}

}
