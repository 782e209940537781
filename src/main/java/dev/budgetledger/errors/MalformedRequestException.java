package dev.budgetledger.errors;

/**
 * A body that is JSON but not of the expected shape, found after Spring MVC's own reading
 * (e.g. a merge patch).
 */
public class MalformedRequestException extends ApiException {

	public MalformedRequestException(String detail) {
		super(ProblemType.MALFORMED_REQUEST, detail);
	}

}
