package dev.budgetledger.reservation;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * A direct charge as booked: what it cost, in the tree's currency, and the tokens it
 * used.
 *
 * @param overLimit whether it went past what some budget of its chain had available (it
 * is booked all the same)
 * @param requested what was asked when a budget's overrun policy capped the charge (then
 * {@code amount} is the ceiling booked); {@code null} when it was booked as asked
 * @param requestedTokens the tokens asked when the tokens were capped
 */
public record DirectCharge(UUID id, UUID budgetId, String currency, BigDecimal amount, @Nullable Long tokens,
		@Nullable String model, TokenPrice.@Nullable Usage usage, boolean overLimit, @Nullable BigDecimal requested,
		@Nullable Long requestedTokens, @Nullable String reason, Map<String, Object> metadata, Instant createdAt) {

	/** Whether a budget's overrun policy booked less than was asked. */
	public boolean capped() {
		return this.requested != null || this.requestedTokens != null;
	}

}
