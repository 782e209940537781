package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/** Either an {@code amount}, or the token {@code usage} (priced with the reservation's captured price), or both. */
public record SettleCommand(UUID reservationId, @Nullable BigDecimal amount, @Nullable String currency,
		TokenPrice.@Nullable Usage usage) {
}
