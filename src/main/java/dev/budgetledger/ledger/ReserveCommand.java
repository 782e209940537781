package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * A request to hold {@code amount} on a budget for {@code ttl}.
 *
 * @param currency the currency the caller thinks in; must match the budget's when given
 * @param price set when the amount was estimated from tokens; captured for the settlement
 */
public record ReserveCommand(UUID budgetId, BigDecimal amount, @Nullable String currency, @Nullable TokenPrice price,
		@Nullable Long inputTokens, @Nullable Long maxOutputTokens, Duration ttl, Map<String, Object> metadata) {
}
