package dev.budgetledger.budget;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

/**
 * A reserve named a subject of a budget that has no child template, and no child for that
 * subject exists: there is nothing to make it from.
 */
public class NoChildTemplateException extends ApiException {

	public NoChildTemplateException(UUID budgetId, String subject) {
		super(ProblemType.NO_CHILD_TEMPLATE, "Budget " + budgetId + " has no childTemplate, so no budget for subject '"
				+ subject + "' can be made under it; set one with PATCH /v1/budgets/" + budgetId);
		with("budgetId", budgetId);
	}

}
