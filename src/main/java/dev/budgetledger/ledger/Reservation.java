package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * A hold on a budget and what became of it.
 *
 * @param amount the hold (the worst-case estimate)
 * @param charged what was actually spent, once settled
 * @param released how much of the hold went back to the budget (by settle below the estimate, release or expiry)
 * @param price the token price captured at reservation time, for token-priced reservations
 * @param late whether it was settled after its expiry time
 */
public record Reservation(UUID id, UUID budgetId, ReservationStatus status, BigDecimal amount,
		@Nullable BigDecimal charged, @Nullable BigDecimal released, @Nullable TokenPrice price,
		@Nullable Long inputTokens, @Nullable Long maxOutputTokens, @Nullable Long settledInputTokens,
		@Nullable Long settledOutputTokens, boolean late, Map<String, Object> metadata, Instant expiresAt,
		Instant createdAt, Instant updatedAt, @Nullable Instant finishedAt) {

	/** How far the charge went above the hold; zero when it did not. */
	public BigDecimal overrun() {
		if (this.charged == null || this.charged.compareTo(this.amount) <= 0) {
			return BigDecimal.ZERO;
		}
		return this.charged.subtract(this.amount);
	}

}
