package dev.budgetledger.client;

import java.math.BigDecimal;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * The service answered DENY (402 {@code RESERVATION_DENIED}): the reservation does not fit and nothing is held.
 * {@code reason} is one of {@code INSUFFICIENT_FUNDS}, {@code PER_CALL_LIMIT}, {@code CALL_LIMIT},
 * {@code CONCURRENCY_LIMIT}, {@code BUDGET_FROZEN}, {@code BUDGET_CLOSED}, {@code MODEL_NOT_ALLOWED}, {@code RUN_CALL_LIMIT},
 * {@code RUN_AMOUNT_LIMIT} (the run named by the reserve's {@code runId} reached a cap), {@code REQUEST_RATE_LIMIT},
 * {@code TOKEN_RATE_LIMIT} (a budget's minute window is full; the problem's {@code retryAfterSeconds} says when the
 * next one starts); {@code limitingBudgetId} is the budget (the one asked or an ancestor) that said no.
 */
public class BudgetDeniedException extends BudgetLedgerException {

	private final String reason;

	private final @Nullable UUID limitingBudgetId;

	private final @Nullable BigDecimal requested;

	private final @Nullable BigDecimal available;

	public BudgetDeniedException(String message, Map<String, Object> problem) {
		super(402, "RESERVATION_DENIED", message, problem, null);
		this.reason = String.valueOf(problem.getOrDefault("reason", "UNKNOWN"));
		this.limitingBudgetId = uuid(problem.get("limitingBudgetId"));
		this.requested = decimal(problem.get("requested"));
		this.available = decimal(problem.get("available"));
	}

	public String reason() {
		return this.reason;
	}

	public @Nullable UUID limitingBudgetId() {
		return this.limitingBudgetId;
	}

	/** What the limiting budget was asked for, in its unit. */
	public @Nullable BigDecimal requested() {
		return this.requested;
	}

	/** What the limiting budget had, in its unit. */
	public @Nullable BigDecimal available() {
		return this.available;
	}

	private static @Nullable UUID uuid(@Nullable Object value) {
		return (value != null) ? UUID.fromString(value.toString()) : null;
	}

	private static @Nullable BigDecimal decimal(@Nullable Object value) {
		return (value != null) ? new BigDecimal(value.toString()) : null;
	}

}
