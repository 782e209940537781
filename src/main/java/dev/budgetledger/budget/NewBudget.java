package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/** Everything a new budget is created with. */
public record NewBudget(String name, @Nullable UUID parentId, String unit, BigDecimal limit, Period period,
		ZoneId timezone, boolean rollover, @Nullable BigDecimal rolloverCap, BudgetPolicy policy,
		Map<String, Object> metadata) {
}
