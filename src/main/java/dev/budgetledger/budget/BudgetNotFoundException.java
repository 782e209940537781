package dev.budgetledger.budget;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class BudgetNotFoundException extends ApiException {

	public BudgetNotFoundException(UUID id) {
		super(ProblemType.BUDGET_NOT_FOUND, "No budget " + id);
		with("budgetId", id);
	}

}
