package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * A direct charge as booked: what it cost, in the tree's currency, and the tokens it used.
 *
 * @param overLimit whether it went past what some budget of its chain had available (it is booked all the same)
 */
public record DirectCharge(UUID id, UUID budgetId, String currency, BigDecimal amount, @Nullable Long tokens,
		@Nullable String model, TokenPrice.@Nullable Usage usage, boolean overLimit, @Nullable String reason,
		Map<String, Object> metadata, Instant createdAt) {
}
