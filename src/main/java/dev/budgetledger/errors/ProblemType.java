package dev.budgetledger.errors;

import java.net.URI;
import java.util.Locale;

import org.springframework.http.HttpStatus;

/**
 * Every error the API serves, with its stable code. The {@code type} URI and the
 * {@code code} property of a problem+json body both derive from the constant's name, so
 * clients can switch on either. openapi.yaml lists the same codes (a test keeps the two
 * equal).
 */
public enum ProblemType {

	VALIDATION_FAILED(HttpStatus.BAD_REQUEST, "Request validation failed"),
	MALFORMED_REQUEST(HttpStatus.BAD_REQUEST, "Malformed request"),
	UNKNOWN_MODEL(HttpStatus.BAD_REQUEST, "Unknown model"),
	CURRENCY_MISMATCH(HttpStatus.BAD_REQUEST, "Currency mismatch"),
	NOT_TOKEN_PRICED(HttpStatus.BAD_REQUEST, "Reservation is not token-priced"),
	TOKENS_REQUIRED(HttpStatus.BAD_REQUEST, "Token counts required"),
	INVALID_PARENT(HttpStatus.BAD_REQUEST, "Invalid parent budget"),
	NO_CHILD_TEMPLATE(HttpStatus.UNPROCESSABLE_CONTENT, "Budget has no child template"),
	INVALID_WEBHOOK_URL(HttpStatus.BAD_REQUEST, "Invalid webhook URL"),
	WEBHOOK_TARGET_REFUSED(HttpStatus.BAD_REQUEST, "Webhook target refused"),
	UNKNOWN_EVENT_TYPE(HttpStatus.BAD_REQUEST, "Unknown event type"),
	UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Authentication required"),
	RESERVATION_DENIED(HttpStatus.PAYMENT_REQUIRED, "Reservation denied"), FORBIDDEN(HttpStatus.FORBIDDEN, "Forbidden"),
	NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"), BUDGET_NOT_FOUND(HttpStatus.NOT_FOUND, "Budget not found"),
	RESERVATION_NOT_FOUND(HttpStatus.NOT_FOUND, "Reservation not found"),
	PRICE_NOT_FOUND(HttpStatus.NOT_FOUND, "Price not found"),
	API_KEY_NOT_FOUND(HttpStatus.NOT_FOUND, "API key not found"),
	WEBHOOK_NOT_FOUND(HttpStatus.NOT_FOUND, "Webhook not found"),
	DELIVERY_NOT_FOUND(HttpStatus.NOT_FOUND, "Webhook delivery not found"),
	METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
	NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
	RESERVATION_RELEASED(HttpStatus.CONFLICT, "Reservation was released"),
	RESERVATION_SETTLED(HttpStatus.CONFLICT, "Reservation was settled"),
	RESERVATION_EXPIRED(HttpStatus.CONFLICT, "Reservation has expired"),
	SETTLEMENT_CONFLICT(HttpStatus.CONFLICT, "Reservation was settled with a different amount"),
	RESERVATION_NOT_SETTLED(HttpStatus.CONFLICT, "Reservation is not settled"),
	IDEMPOTENCY_KEY_IN_FLIGHT(HttpStatus.CONFLICT, "A request with this idempotency key is in progress"),
	IDEMPOTENCY_KEY_REUSED(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused with a different request"),
	OVERRUN_LIMIT_EXCEEDED(HttpStatus.UNPROCESSABLE_CONTENT, "Settle exceeds the overrun ceiling"),
	PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Request body too large"),
	UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
	RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "Too many requests"),
	INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error"),
	SERVICE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable"),
	LOCK_TIMEOUT(HttpStatus.SERVICE_UNAVAILABLE, "Budget is busy");

	private static final String TYPE_BASE = "https://budget-ledger.dev/problems/";

	private final HttpStatus status;

	private final String title;

	ProblemType(HttpStatus status, String title) {
		this.status = status;
		this.title = title;
	}

	public HttpStatus status() {
		return this.status;
	}

	public String title() {
		return this.title;
	}

	public String code() {
		return name();
	}

	public URI type() {
		return URI.create(TYPE_BASE + name().toLowerCase(Locale.ROOT).replace('_', '-'));
	}

}
