package dev.budgetledger.budget;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

public class CurrencyMismatchException extends ApiException {

	public CurrencyMismatchException(String expected, String given) {
		super(ProblemType.CURRENCY_MISMATCH, "The budget counts " + expected + " but the request is in " + given);
		with("expected", expected);
		with("given", given);
	}

}
