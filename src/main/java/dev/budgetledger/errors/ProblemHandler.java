package dev.budgetledger.errors;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.hibernate.TransactionException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import dev.budgetledger.tracing.Correlation;

import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.validation.method.ParameterValidationResult;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The one place where exceptions become {@code application/problem+json} (RFC 9457).
 * Every body carries a stable {@code type} URI and {@code code}; see {@link ProblemType}.
 * Each also names the request ({@code requestId}, and {@code traceId} when the caller
 * sent a {@code traceparent}), as the log lines of that request do.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

	@ExceptionHandler(ApiException.class)
	ResponseEntity<ProblemDetail> handleApi(ApiException ex) {
		ProblemDetail body = problem(ex.problem(), ex.getMessage());
		ex.properties().forEach(body::setProperty);
		ResponseEntity<ProblemDetail> response = respond(ex.problem(), body);
		if (ex.headers().isEmpty()) {
			return response;
		}
		HttpHeaders headers = new HttpHeaders();
		headers.addAll(response.getHeaders());
		ex.headers().forEach(headers::set);
		return new ResponseEntity<>(response.getBody(), headers, response.getStatusCode());
	}

	@ExceptionHandler({ CannotAcquireLockException.class, PessimisticLockingFailureException.class,
			QueryTimeoutException.class })
	ResponseEntity<ProblemDetail> handleLockTimeout(Exception ex) {
		log.warn("Lock or statement timeout: {}", ex.getMessage());
		return respond(ProblemType.LOCK_TIMEOUT,
				problem(ProblemType.LOCK_TIMEOUT, "The budget is busy; nothing was changed. Retry shortly."));
	}

	/**
	 * A lock or statement timeout that the JDBC exception translation left uncategorized
	 * (PostgreSQL's 55P03 lock_not_available and 57014 query_canceled arrive so from
	 * JdbcClient) is still a timeout, not an internal error.
	 */
	@ExceptionHandler(UncategorizedSQLException.class)
	ResponseEntity<ProblemDetail> handleUncategorizedSql(UncategorizedSQLException ex) {
		String state = (ex.getSQLException() != null) ? ex.getSQLException().getSQLState() : null;
		if ("55P03".equals(state) || "57014".equals(state)) {
			return handleLockTimeout(ex);
		}
		return handleUnexpected(ex);
	}

	@ExceptionHandler({ CannotGetJdbcConnectionException.class, CannotCreateTransactionException.class,
			DataAccessResourceFailureException.class, TransientDataAccessResourceException.class })
	ResponseEntity<ProblemDetail> handleDatabaseUnavailable(Exception ex) {
		log.warn("Database unavailable: {}", ex.getMessage());
		return respond(ProblemType.SERVICE_UNAVAILABLE,
				problem(ProblemType.SERVICE_UNAVAILABLE, "The ledger database is unreachable. Retry shortly."));
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> handleUnexpected(Exception ex) {
		ProblemType failure = DatabaseFailures.classify(ex);
		if (failure == ProblemType.LOCK_TIMEOUT) {
			return handleLockTimeout(ex);
		}
		if (failure == ProblemType.SERVICE_UNAVAILABLE || brokenTransaction(ex)) {
			return handleDatabaseUnavailable(ex);
		}
		log.error("Unexpected error", ex);
		return respond(ProblemType.INTERNAL_ERROR,
				problem(ProblemType.INTERNAL_ERROR, "An unexpected error occurred."));
	}

	/** Spring MVC's own exceptions: keep its status, add our type and code. */
	@Override
	protected @Nullable ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body,
			HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
		ProblemType type = classify(ex, statusCode);
		ProblemDetail problem = problem(type, detail(ex, type));
		List<InvalidRequestException.FieldError> errors = fieldErrors(ex);
		if (!errors.isEmpty()) {
			problem.setProperty("errors", errors);
			problem.setDetail(errors.stream()
				.map(error -> error.field() + ": " + error.message())
				.collect(Collectors.joining("; ")));
		}
		HttpHeaders responseHeaders = new HttpHeaders();
		responseHeaders.addAll(headers);
		responseHeaders.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		return new ResponseEntity<>(problem, responseHeaders, type.status());
	}

	private static List<InvalidRequestException.FieldError> fieldErrors(Exception ex) {
		if (ex instanceof MethodArgumentNotValidException invalid) {
			return invalid.getBindingResult()
				.getFieldErrors()
				.stream()
				.map(error -> new InvalidRequestException.FieldError(error.getField(),
						String.valueOf(error.getDefaultMessage())))
				.sorted(Comparator.comparing(InvalidRequestException.FieldError::field)
					.thenComparing(InvalidRequestException.FieldError::message))
				.toList();
		}
		if (ex instanceof HandlerMethodValidationException invalid) {
			return invalid.getParameterValidationResults().stream().flatMap(ProblemHandler::fieldErrors).toList();
		}
		if (ex instanceof MethodArgumentTypeMismatchException mismatch) {
			String expected = (mismatch.getRequiredType() != null) ? mismatch.getRequiredType().getSimpleName()
					: "value";
			return List.of(new InvalidRequestException.FieldError(mismatch.getName(), "must be a valid " + expected));
		}
		return List.of();
	}

	private static Stream<InvalidRequestException.FieldError> fieldErrors(ParameterValidationResult result) {
		String name = String.valueOf(result.getMethodParameter().getParameterName());
		return result.getResolvableErrors()
			.stream()
			.map(error -> new InvalidRequestException.FieldError(name, String.valueOf(error.getDefaultMessage())));
	}

	private static ProblemType classify(Exception ex, HttpStatusCode status) {
		if (ex instanceof HttpMessageNotReadableException && rootCause(ex) instanceof PayloadTooLargeException) {
			return ProblemType.PAYLOAD_TOO_LARGE;
		}
		if (ex instanceof MethodArgumentNotValidException || ex instanceof HandlerMethodValidationException
				|| ex instanceof MethodArgumentTypeMismatchException) {
			return ProblemType.VALIDATION_FAILED;
		}
		if (ex instanceof NoResourceFoundException) {
			return ProblemType.NOT_FOUND;
		}
		if (ex instanceof HttpRequestMethodNotSupportedException) {
			return ProblemType.METHOD_NOT_ALLOWED;
		}
		if (ex instanceof HttpMediaTypeNotSupportedException) {
			return ProblemType.UNSUPPORTED_MEDIA_TYPE;
		}
		if (ex instanceof HttpMediaTypeNotAcceptableException) {
			return ProblemType.NOT_ACCEPTABLE;
		}
		if (status.is4xxClientError()) {
			return (status.value() == HttpStatus.NOT_FOUND.value()) ? ProblemType.NOT_FOUND
					: ProblemType.MALFORMED_REQUEST;
		}
		return (status.value() == HttpStatus.SERVICE_UNAVAILABLE.value()) ? ProblemType.SERVICE_UNAVAILABLE
				: ProblemType.INTERNAL_ERROR;
	}

	/** Says what is wrong and where, without echoing internals such as class names. */
	private static String detail(Exception ex, ProblemType type) {
		if (type == ProblemType.PAYLOAD_TOO_LARGE) {
			return String.valueOf(rootCause(ex).getMessage());
		}
		if (ex instanceof HttpMessageNotReadableException) {
			Throwable cause = ex.getCause();
			if (cause instanceof UnrecognizedPropertyException unknown) {
				String field = fieldPath(unknown);
				return "Unknown field '" + (field.isEmpty() ? unknown.getPropertyName() : field) + "'";
			}
			if (cause instanceof StreamReadException read) {
				return "Malformed JSON: " + read.getOriginalMessage();
			}
			if (cause instanceof JacksonException jackson) {
				String field = fieldPath(jackson);
				return field.isEmpty() ? "Request body does not match the expected shape"
						: "Field '" + field + "' has the wrong type or format";
			}
			return "Request body is missing or unreadable";
		}
		if (ex instanceof org.springframework.web.ErrorResponse response) {
			String detail = response.getBody().getDetail();
			if (detail != null) {
				return detail;
			}
		}
		return type.title();
	}

	static String fieldPath(JacksonException ex) {
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : ex.getPath()) {
			if (reference.getPropertyName() != null) {
				path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return path.toString();
	}

	private static Throwable rootCause(Throwable ex) {
		Throwable current = ex;
		while (current.getCause() != null && current.getCause() != current) {
			current = current.getCause();
		}
		return current;
	}

	static ProblemDetail problem(ProblemType type, @Nullable String detail) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(type.status(), detail);
		body.setType(type.type());
		body.setTitle(type.title());
		body.setProperty("code", type.code());
		Correlation.current().forEach(body::setProperty);
		return body;
	}

	/**
	 * Hibernate could not begin, commit or roll back on the connection: the connection
	 * broke (the pool closes a connection that failed fatally, and the rollback then
	 * fails with "Connection is closed", hiding the cause).
	 */
	private static boolean brokenTransaction(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof TransactionException) {
				return true;
			}
		}
		return false;
	}

	private static ResponseEntity<ProblemDetail> respond(ProblemType type, ProblemDetail body) {
		ResponseEntity.BodyBuilder builder = ResponseEntity.status(type.status())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (type.status() == HttpStatus.SERVICE_UNAVAILABLE) {
			builder.header(HttpHeaders.RETRY_AFTER, "1");
		}
		return builder.body(body);
	}

}
