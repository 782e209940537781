package dev.budgetledger.events;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/** One event as consumers see it; {@code position} orders the feed. */
public record Event(long position, UUID id, EventType type, UUID budgetId, @Nullable UUID reservationId,
		Map<String, Object> data, Instant createdAt) {
}
