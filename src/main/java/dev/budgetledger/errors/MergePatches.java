package dev.budgetledger.errors;

import java.util.Comparator;
import java.util.List;
import java.util.Set;

import jakarta.validation.Validator;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

/**
 * Reads a JSON merge patch (RFC 7396) into its request type and validates it as a request
 * body would be: a body that is not an object or does not bind is MALFORMED_REQUEST, a
 * field that breaks its constraints VALIDATION_FAILED. The names present tell "set to
 * null" (remove) apart from "left out" (keep).
 */
@Component
public class MergePatches {

	private final JsonMapper json;

	private final Validator validator;

	MergePatches(JsonMapper json, Validator validator) {
		this.json = json;
		this.validator = validator;
	}

	public <T> MergePatch<T> read(JsonNode patch, Class<T> type) {
		if (!patch.isObject()) {
			throw new MalformedRequestException("A merge patch is a JSON object");
		}
		T request;
		try {
			request = this.json.treeToValue(patch, type);
		}
		catch (JacksonException ex) {
			// Said as a request body's binding error is said: the field, never Jackson's
			// message with Java class names.
			String field = ProblemHandler.fieldPath(ex);
			if (ex instanceof UnrecognizedPropertyException unknown) {
				throw new MalformedRequestException(
						"Unknown field '" + (field.isEmpty() ? unknown.getPropertyName() : field) + "'");
			}
			throw new MalformedRequestException(field.isEmpty() ? "Request body does not match the expected shape"
					: "Field '" + field + "' has the wrong type or format");
		}
		List<InvalidRequestException.FieldError> errors = this.validator.validate(request)
			.stream()
			.map(violation -> new InvalidRequestException.FieldError(violation.getPropertyPath().toString(),
					violation.getMessage()))
			.sorted(Comparator.comparing(InvalidRequestException.FieldError::field))
			.toList();
		if (!errors.isEmpty()) {
			throw new InvalidRequestException(errors);
		}
		return new MergePatch<>(request, Set.copyOf(patch.propertyNames()));
	}

	/** A validated patch and the names it carries. */
	public record MergePatch<T>(T request, Set<String> present) {
	}

}
