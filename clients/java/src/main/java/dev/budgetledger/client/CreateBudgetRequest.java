package dev.budgetledger.client;

import java.math.BigDecimal;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/** A new budget (needs an ADMIN key). The service's other options are in openapi.yaml. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateBudgetRequest(String name, BigDecimal limit, @Nullable String unit, @Nullable UUID parentId,
		@Nullable String period, @Nullable String mode, @Nullable BigDecimal downgradeAt,
		@Nullable Map<String, Object> metadata) {

	public static CreateBudgetRequest of(String name, BigDecimal limit) {
		return new CreateBudgetRequest(name, limit, null, null, null, null, null, null);
	}

	public CreateBudgetRequest withParent(UUID parentId) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, parentId, this.period, this.mode,
				this.downgradeAt, this.metadata);
	}

	public CreateBudgetRequest withPeriod(String period) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, this.parentId, period, this.mode,
				this.downgradeAt, this.metadata);
	}

	/** Above this fraction of the limit, reservations that name fallback models get a fallback. */
	public CreateBudgetRequest withDowngradeAt(BigDecimal fraction) {
		return new CreateBudgetRequest(this.name, this.limit, this.unit, this.parentId, this.period, this.mode,
				fraction, this.metadata);
	}

}
