package dev.budgetledger.journal;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * One movement. A budget's {@code spent} and {@code reserved} are the sums of its
 * entries' deltas, and its {@code limit} is the {@code limitAfter} of its latest OPEN or
 * LIMIT_CHANGE entry.
 */
public record JournalEntry(long id, UUID budgetId, @Nullable UUID reservationId, EntryKind kind, BigDecimal amount,
		BigDecimal spentDelta, BigDecimal reservedDelta, @Nullable BigDecimal limitAfter,
		@Nullable BigDecimal carriedOverAfter, @Nullable String note, Instant createdAt, @Nullable UUID chargeId) {
}
