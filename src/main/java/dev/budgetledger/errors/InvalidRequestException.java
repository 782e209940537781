package dev.budgetledger.errors;

import java.util.List;

/** A request that is well-formed JSON but breaks a rule no annotation can express (e.g. "amount or tokens"). */
public class InvalidRequestException extends ApiException {

	public InvalidRequestException(String field, String message) {
		super(ProblemType.VALIDATION_FAILED, field + ": " + message);
		with("errors", List.of(new FieldError(field, message)));
	}

	public record FieldError(String field, String message) {
	}

}
