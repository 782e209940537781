package dev.budgetledger.client;

import java.math.BigDecimal;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What the call actually cost: an {@code amount}, or token counts priced with the price the reservation captured.
 * {@code inputTokens} are the uncached input tokens; tokens read from the provider's cache go in
 * {@code cacheReadTokens}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SettleRequest(@Nullable BigDecimal amount, @Nullable String currency, @Nullable Long inputTokens,
		@Nullable Long outputTokens, @Nullable Long cacheReadTokens, @Nullable Long cacheWriteTokens,
		@Nullable Long reasoningTokens) {

	public static SettleRequest amount(BigDecimal amount) {
		return new SettleRequest(amount, null, null, null, null, null, null);
	}

	public static SettleRequest tokens(long inputTokens, long outputTokens) {
		return new SettleRequest(null, null, inputTokens, outputTokens, null, null, null);
	}

	public static SettleRequest tokens(long inputTokens, long outputTokens, long cacheReadTokens) {
		return new SettleRequest(null, null, inputTokens, outputTokens, (cacheReadTokens > 0) ? cacheReadTokens : null,
				null, null);
	}

}
