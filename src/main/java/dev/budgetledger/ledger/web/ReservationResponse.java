package dev.budgetledger.ledger.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.ledger.Reservation;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.TokenPrice;

/**
 * A reservation. {@code decision} appears only on the answer to a reserve, {@code available} (what its budget has
 * left) on answers to reserve, settle, release and extend.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ReservationResponse(UUID id, UUID budgetId, @Nullable String decision, String status, String amount,
		@Nullable String charged, @Nullable String released, String overrun, @Nullable String model,
		@Nullable Long inputTokens, @Nullable Long maxOutputTokens, @Nullable Long settledInputTokens,
		@Nullable Long settledOutputTokens, boolean late, Map<String, Object> metadata, Instant expiresAt,
		Instant createdAt, Instant updatedAt, @Nullable Instant finishedAt, @Nullable String available) {

	static ReservationResponse of(Reservation r, @Nullable String decision, @Nullable BigDecimal available) {
		TokenPrice price = r.price();
		return new ReservationResponse(r.id(), r.budgetId(), decision, r.status().name(), Amounts.format(r.amount()),
				Amounts.formatOrNull(r.charged()), Amounts.formatOrNull(r.released()), Amounts.format(r.overrun()),
				(price != null) ? price.model() : null, r.inputTokens(), r.maxOutputTokens(), r.settledInputTokens(),
				r.settledOutputTokens(), r.late(), r.metadata(), r.expiresAt(), r.createdAt(), r.updatedAt(),
				r.finishedAt(), Amounts.formatOrNull(available));
	}

}
