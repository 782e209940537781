package dev.budgetledger.client;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * An error answer of the service ({@code application/problem+json}, RFC 9457) or a failure to reach it. {@code code}
 * is the service's stable problem code ({@code RESERVATION_NOT_FOUND}, {@code SETTLEMENT_CONFLICT} ...; see
 * docs/errors.md), or {@code null} when no answer came ({@code status} is then 0).
 */
public class BudgetLedgerException extends RuntimeException {

	private final int status;

	private final @Nullable String code;

	private final Map<String, Object> problem;

	public BudgetLedgerException(int status, @Nullable String code, String message, Map<String, Object> problem,
			@Nullable Throwable cause) {
		super(message, cause);
		this.status = status;
		this.code = code;
		this.problem = Map.copyOf(problem);
	}

	/** The HTTP status, or 0 when the service could not be reached. */
	public int status() {
		return this.status;
	}

	public @Nullable String code() {
		return this.code;
	}

	/** The whole problem body (its {@code type}, {@code title}, {@code detail} and what it is about). */
	public Map<String, Object> problem() {
		return this.problem;
	}

}
