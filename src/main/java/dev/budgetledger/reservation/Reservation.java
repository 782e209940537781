package dev.budgetledger.reservation;

import dev.budgetledger.budget.Budget;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * A hold on a budget and its ancestors, and what became of it. Money budgets in the chain
 * hold {@code amount}; token budgets hold {@code tokens}.
 *
 * @param amount the money hold (the worst-case estimate) in {@code currency}
 * @param tokens the token hold (input plus max output tokens), for token-priced
 * reservations
 * @param charged what was actually spent, once settled
 * @param chargedTokens the tokens actually used, once settled with token counts
 * @param released how much of the money hold went back (by settle below the estimate,
 * release or expiry)
 * @param price the token price captured at reservation time, for token-priced
 * reservations
 * @param requestedModel the model asked for, when a fallback was chosen instead
 * ({@code downgraded})
 * @param capped whether {@code maxOutputTokens} was lowered to fit
 * @param usage the token counts given at settlement
 * @param late whether it was settled at or after its expiry time
 * @param claimed what the settle asked to charge, when an overrun ceiling capped the
 * charge ({@code charged} is then the ceiling); {@code null} otherwise
 * @param adjustment the sum of the corrections an ADMIN made to the charge since (see
 * {@link dev.budgetledger.journal.EntryKind#ADJUST}); {@code charged + adjustment} is
 * what the reservation costs now
 * @param runId the run it was made for ({@code runId} of the reserve), if any
 */
public record Reservation(UUID id, UUID budgetId, ReservationStatus status, String currency, BigDecimal amount,
		@Nullable Long tokens, @Nullable BigDecimal charged, @Nullable Long chargedTokens,
		@Nullable BigDecimal released, @Nullable TokenPrice price, @Nullable String requestedModel, boolean downgraded,
		boolean capped, @Nullable Long inputTokens, @Nullable Long maxOutputTokens, TokenPrice.@Nullable Usage usage,
		boolean late, Map<String, Object> metadata, Instant expiresAt, Instant createdAt, Instant updatedAt,
		@Nullable Instant finishedAt, @Nullable BigDecimal claimed, BigDecimal adjustment, @Nullable String runId) {

	/** How far the money charge went above the hold; zero when it did not. */
	public BigDecimal overrun() {
		if (this.charged == null || this.charged.compareTo(this.amount) <= 0) {
			return BigDecimal.ZERO;
		}
		return this.charged.subtract(this.amount);
	}

	/**
	 * What the reservation costs now: its charge with the corrections made since; null
	 * until settled.
	 */
	public @Nullable BigDecimal netCharged() {
		return (this.charged != null) ? this.charged.add(this.adjustment) : null;
	}

	/**
	 * Whether an overrun ceiling lowered the charge (money or tokens) below what the
	 * settle asked for.
	 */
	public boolean overrunCapped() {
		return this.claimed != null
				|| (this.usage != null && this.chargedTokens != null && this.chargedTokens < this.usage.total());
	}

	/** What this reservation holds on a budget of its chain, in that budget's unit. */
	public BigDecimal holdOn(Budget level) {
		return level.countsTokens() ? BigDecimal.valueOf((this.tokens != null) ? this.tokens : 0L) : this.amount;
	}

}
