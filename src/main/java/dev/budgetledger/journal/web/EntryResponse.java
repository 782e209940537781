package dev.budgetledger.journal.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.money.Amounts;
import dev.budgetledger.journal.JournalEntry;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record EntryResponse(long id, UUID budgetId, String kind, String amount, String spentDelta, String reservedDelta,
		@Nullable String limit, @Nullable String carriedOver, @Nullable String note, @Nullable UUID reservationId,
		@Nullable UUID chargeId, Instant createdAt) {

	/**
	 * @param tokens whether the budget counts tokens (amounts are then whole numbers)
	 */
	public static EntryResponse of(JournalEntry entry, boolean tokens) {
		return new EntryResponse(entry.id(), entry.budgetId(), entry.kind().name(),
				Amounts.format(entry.amount(), tokens), Amounts.format(entry.spentDelta(), tokens),
				Amounts.format(entry.reservedDelta(), tokens), orNull(entry.limitAfter(), tokens),
				orNull(entry.carriedOverAfter(), tokens), entry.note(), entry.reservationId(), entry.chargeId(),
				entry.createdAt());
	}

	private static @Nullable String orNull(@Nullable BigDecimal amount, boolean tokens) {
		return (amount != null) ? Amounts.format(amount, tokens) : null;
	}

}
