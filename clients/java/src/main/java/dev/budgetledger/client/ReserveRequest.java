package dev.budgetledger.client;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What to hold: either an {@code amount}, or a {@code model} with {@code inputTokens} and {@code maxOutputTokens}
 * (the service prices them). {@code fallbackModels} are cheaper models the service may choose instead when the
 * requested one does not fit; the answer then names the chosen model ({@link Reservation#downgraded()}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReserveRequest(UUID budgetId, @Nullable BigDecimal amount, @Nullable String currency,
		@Nullable String model, @Nullable List<String> fallbackModels, @Nullable Long inputTokens,
		@Nullable Long maxOutputTokens, @Nullable Long minOutputTokens, @Nullable Integer ttlSeconds,
		@Nullable Map<String, Object> metadata) {

	/** Holds a fixed amount of money. */
	public static ReserveRequest amount(UUID budgetId, BigDecimal amount) {
		return new ReserveRequest(budgetId, amount, null, null, null, null, null, null, null, null);
	}

	/** Holds the worst case of a call to {@code model}: all input tokens and the most output it may produce. */
	public static ReserveRequest tokens(UUID budgetId, String model, long inputTokens, long maxOutputTokens) {
		return new ReserveRequest(budgetId, null, null, model, null, inputTokens, maxOutputTokens, null, null, null);
	}

	public ReserveRequest withFallbackModels(List<String> models) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model,
				models.isEmpty() ? null : List.copyOf(models), this.inputTokens, this.maxOutputTokens,
				this.minOutputTokens, this.ttlSeconds, this.metadata);
	}

	public ReserveRequest withTtlSeconds(int ttlSeconds) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model, this.fallbackModels,
				this.inputTokens, this.maxOutputTokens, this.minOutputTokens, ttlSeconds, this.metadata);
	}

	public ReserveRequest withMetadata(Map<String, Object> metadata) {
		return new ReserveRequest(this.budgetId, this.amount, this.currency, this.model, this.fallbackModels,
				this.inputTokens, this.maxOutputTokens, this.minOutputTokens, this.ttlSeconds, Map.copyOf(metadata));
	}

}
