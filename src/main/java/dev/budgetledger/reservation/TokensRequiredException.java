package dev.budgetledger.reservation;

import dev.budgetledger.budget.Budget;
import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

/**
 * A token budget is in the chain, but the request gives no token counts to hold or
 * charge.
 */
public class TokensRequiredException extends ApiException {

	public TokensRequiredException(UUID budgetId) {
		super(ProblemType.TOKENS_REQUIRED, "Budget " + budgetId
				+ " counts tokens; give model, inputTokens and maxOutputTokens (or, to settle, the token counts)");
		with("budgetId", budgetId);
	}

}
