package dev.budgetledger.client;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What to hold: either an {@code amount}, or a {@code model} with {@code inputTokens} and {@code maxOutputTokens}
 * (the service prices them). A call that sets no output limit leaves {@code maxOutputTokens} out: the service holds
 * the model's default and the answer's {@link Reservation#maxOutputTokens()} names it, the limit to call with. With
 * {@code minOutputTokens} a request that does not fit may still be allowed with fewer output tokens, down to that
 * many ({@link Reservation#capped()}). {@code fallbackModels} are cheaper models the service may choose instead when the
 * requested one does not fit; the answer then names the chosen model ({@link Reservation#downgraded()}). With
 * {@code subject} (an end user's or tenant's id) the hold is made on {@code budgetId}'s child for that subject, which
 * the service makes from the budget's {@code childTemplate} on first use ({@link Reservation#budgetId()} names it);
 * with {@code runId} the budgets' caps per run apply ({@code RUN_CALL_LIMIT}, {@code RUN_AMOUNT_LIMIT}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReserveRequest(UUID budgetId, @Nullable BigDecimal amount, @Nullable String currency,
		@Nullable String model, @Nullable List<String> fallbackModels, @Nullable Long inputTokens,
		@Nullable Long maxOutputTokens, @Nullable Long minOutputTokens, @Nullable Integer ttlSeconds,
		@Nullable Map<String, Object> metadata, @Nullable String subject, @Nullable String runId) {

	/** A request without subject and run, as before they existed (code that builds one itself keeps compiling). */
	public ReserveRequest(UUID budgetId, @Nullable BigDecimal amount, @Nullable String currency, @Nullable String model,
			@Nullable List<String> fallbackModels, @Nullable Long inputTokens, @Nullable Long maxOutputTokens,
			@Nullable Long minOutputTokens, @Nullable Integer ttlSeconds, @Nullable Map<String, Object> metadata) {
		this(budgetId, amount, currency, model, fallbackModels, inputTokens, maxOutputTokens, minOutputTokens,
				ttlSeconds, metadata, null, null);
	}

	/** Holds a fixed amount of money. */
	public static ReserveRequest amount(UUID budgetId, BigDecimal amount) {
		return new ReserveRequest(budgetId, amount, null, null, null, null, null, null, null, null);
	}

	/** Holds the worst case of a call to {@code model}: all input tokens and the most output it may produce. */
	public static ReserveRequest tokens(UUID budgetId, String model, long inputTokens, long maxOutputTokens) {
		return new ReserveRequest(budgetId, null, null, model, null, inputTokens, maxOutputTokens, null, null, null);
	}

	/**
	 * Holds the worst case of a call to {@code model} that sets no output limit: the service holds the model's
	 * default max output tokens, and the answer names it.
	 */
	public static ReserveRequest tokens(UUID budgetId, String model, long inputTokens) {
		return new ReserveRequest(budgetId, null, null, model, null, inputTokens, null, null, null, null);
	}

	/** Allows fewer output tokens than asked for, down to {@code tokens}, when the whole ask does not fit. */
	public ReserveRequest withMinOutputTokens(long tokens) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model, this.fallbackModels,
				this.inputTokens, this.maxOutputTokens, tokens, this.ttlSeconds, this.metadata, this.subject,
				this.runId);
	}

	public ReserveRequest withFallbackModels(List<String> models) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model,
				models.isEmpty() ? null : List.copyOf(models), this.inputTokens, this.maxOutputTokens,
				this.minOutputTokens, this.ttlSeconds, this.metadata, this.subject, this.runId);
	}

	public ReserveRequest withTtlSeconds(int ttlSeconds) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model, this.fallbackModels,
				this.inputTokens, this.maxOutputTokens, this.minOutputTokens, ttlSeconds, this.metadata, this.subject,
				this.runId);
	}

	public ReserveRequest withMetadata(Map<String, Object> metadata) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model, this.fallbackModels,
				this.inputTokens, this.maxOutputTokens, this.minOutputTokens, this.ttlSeconds, Map.copyOf(metadata),
				this.subject, this.runId);
	}

	/**
	 * Holds on {@code budgetId}'s child for {@code subject} (an end user's or tenant's id, 1 to 128 printable
	 * characters), made from the budget's {@code childTemplate} by the first such reserve.
	 */
	public ReserveRequest withSubject(String subject) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model, this.fallbackModels,
				this.inputTokens, this.maxOutputTokens, this.minOutputTokens, this.ttlSeconds, this.metadata, subject,
				this.runId);
	}

	/** Counts the hold against run {@code runId} (1 to 128 characters): the budgets' caps per run apply. */
	public ReserveRequest withRunId(String runId) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model, this.fallbackModels,
				this.inputTokens, this.maxOutputTokens, this.minOutputTokens, this.ttlSeconds, this.metadata,
				this.subject, runId);
	}

}
