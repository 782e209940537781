package dev.budgetledger.ledger.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.reservation.Reservation;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.TokenPrice;

/**
 * A reservation. {@code decision} appears only on the answer to a reserve;
 * {@code available} (what its budget has left, in the budget's unit) on answers to
 * reserve, settle, release and extend; {@code warnings} when there are any.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ReservationResponse(UUID id, UUID budgetId, @Nullable String decision, String status, String currency,
		String amount, @Nullable Long tokens, @Nullable String charged, @Nullable Long chargedTokens,
		@Nullable String released, String overrun, @Nullable String claimed, boolean overrunCapped, String adjustment,
		@Nullable String netCharged, @Nullable String model, @Nullable String requestedModel, boolean downgraded,
		boolean capped, @Nullable Long inputTokens, @Nullable Long maxOutputTokens, @Nullable Long settledInputTokens,
		@Nullable Long settledOutputTokens, @Nullable Long settledCacheReadTokens,
		@Nullable Long settledCacheWriteTokens, @Nullable Long settledReasoningTokens, boolean late,
		Map<String, Object> metadata, Instant expiresAt, Instant createdAt, Instant updatedAt,
		@Nullable Instant finishedAt, @Nullable String available, @Nullable List<String> warnings,
		@Nullable String runId) {

	static ReservationResponse of(Reservation r, @Nullable String decision, @Nullable String available,
			@Nullable List<String> warnings) {
		TokenPrice price = r.price();
		TokenPrice.Usage usage = r.usage();
		return new ReservationResponse(r.id(), r.budgetId(), decision, r.status().name(), r.currency(),
				Amounts.format(r.amount()), r.tokens(), Amounts.formatOrNull(r.charged()), r.chargedTokens(),
				Amounts.formatOrNull(r.released()), Amounts.format(r.overrun()), Amounts.formatOrNull(r.claimed()),
				r.overrunCapped(), Amounts.format(r.adjustment()), Amounts.formatOrNull(r.netCharged()),
				(price != null) ? price.model() : null, r.requestedModel(), r.downgraded(), r.capped(), r.inputTokens(),
				r.maxOutputTokens(), (usage != null) ? usage.inputTokens() : null,
				(usage != null) ? usage.outputTokens() : null, (usage != null) ? usage.cacheReadTokens() : null,
				(usage != null) ? usage.cacheWriteTokens() : null, (usage != null) ? usage.reasoningTokens() : null,
				r.late(), r.metadata(), r.expiresAt(), r.createdAt(), r.updatedAt(), r.finishedAt(), available,
				(warnings == null || warnings.isEmpty()) ? null : warnings, r.runId());
	}

	static ReservationResponse of(Reservation r) {
		return of(r, null, null, null);
	}

	/** {@code available} in the unit of the reservation's own budget. */
	static String available(BigDecimal available, String unit) {
		return Amounts.format(available, "TOKENS".equals(unit));
	}

}
