package dev.budgetledger.reservation;

import dev.budgetledger.budget.OverrunPolicy;
import java.math.BigDecimal;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * Either an {@code amount}, or the token {@code usage} (priced with the reservation's
 * captured price), or both.
 *
 * @param allowOverrun charge beyond the overrun ceilings of the chain
 * ({@link OverrunPolicy}); for ADMIN keys only
 */
public record SettleCommand(UUID reservationId, @Nullable BigDecimal amount, @Nullable String currency,
		TokenPrice.@Nullable Usage usage, boolean allowOverrun) {

	/**
	 * A settle bounded by the overrun ceilings of its chain, as every CLIENT key's is.
	 */
	public SettleCommand(UUID reservationId, @Nullable BigDecimal amount, @Nullable String currency,
			TokenPrice.@Nullable Usage usage) {
		this(reservationId, amount, currency, usage, false);
	}

}
