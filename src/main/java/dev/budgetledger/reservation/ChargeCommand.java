package dev.budgetledger.reservation;

import dev.budgetledger.budget.OverrunPolicy;
import java.math.BigDecimal;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

/**
 * A direct charge: spend that already happened on {@code budgetId}, booked without a
 * hold. Either an {@code amount} (with token counts if the chain counts tokens), or a
 * model's current {@code price} with the {@code usage} it prices.
 *
 * @param reason why it is charged directly, kept as the journal entries' note
 * @param unbounded book it past the overrun ceilings of the chain
 * ({@link OverrunPolicy}); for ADMIN keys only, as a client must not be able to exhaust a
 * tree it shares by charging what it could never have reserved
 */
public record ChargeCommand(UUID budgetId, @Nullable BigDecimal amount, @Nullable String currency,
		@Nullable TokenPrice price, TokenPrice.@Nullable Usage usage, @Nullable String reason,
		Map<String, Object> metadata, @Nullable UUID apiKeyId, @Nullable String idempotencyKey, boolean unbounded) {
}
