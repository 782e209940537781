package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/** Either an {@code amount} or the actual {@code inputTokens} and {@code outputTokens}. */
public record SettleCommand(UUID reservationId, @Nullable BigDecimal amount, @Nullable String currency,
		@Nullable Long inputTokens, @Nullable Long outputTokens) {
}
