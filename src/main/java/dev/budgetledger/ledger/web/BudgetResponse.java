package dev.budgetledger.ledger.web;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.budgetledger.ledger.Budget;
import dev.budgetledger.money.Amounts;

record BudgetResponse(UUID id, String name, String currency, String limit, String spent, String reserved,
		String available, String status, Map<String, Object> metadata, long deniedCount, Instant createdAt,
		Instant updatedAt) {

	static BudgetResponse of(Budget budget) {
		return new BudgetResponse(budget.id(), budget.name(), budget.currency(), Amounts.format(budget.limit()),
				Amounts.format(budget.spent()), Amounts.format(budget.reserved()), Amounts.format(budget.available()),
				budget.status(), budget.metadata(), budget.deniedCount(), budget.createdAt(), budget.updatedAt());
	}

}
