package dev.budgetledger.ledger.web;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.ledger.JournalEntry;
import dev.budgetledger.money.Amounts;

@JsonInclude(JsonInclude.Include.NON_NULL)
record EntryResponse(long id, UUID budgetId, String kind, String amount, String spentDelta, String reservedDelta,
		@Nullable String limit, @Nullable UUID reservationId, Instant createdAt) {

	static EntryResponse of(JournalEntry entry) {
		return new EntryResponse(entry.id(), entry.budgetId(), entry.kind().name(), Amounts.format(entry.amount()),
				Amounts.format(entry.spentDelta()), Amounts.format(entry.reservedDelta()),
				Amounts.formatOrNull(entry.limitAfter()), entry.reservationId(), entry.createdAt());
	}

}
