package dev.budgetledger.errors;

import java.util.List;

/**
 * A request that is well-formed JSON but breaks a rule no annotation can express (e.g.
 * "amount or tokens").
 */
public class InvalidRequestException extends ApiException {

	public InvalidRequestException(String field, String message) {
		super(ProblemType.VALIDATION_FAILED, field + ": " + message);
		with("errors", List.of(new FieldError(field, message)));
	}

	public InvalidRequestException(List<FieldError> errors) {
		super(ProblemType.VALIDATION_FAILED,
				String.join("; ", errors.stream().map(error -> error.field() + ": " + error.message()).toList()));
		with("errors", errors);
	}

	public record FieldError(String field, String message) {
	}

}
