package dev.budgetledger.webhooks;

import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * One event on its way to one webhook.
 *
 * @param seq the delivery's place in creation order (page cursors)
 * @param status PENDING (not tried yet, or being tried), SUCCEEDED, FAILED (last try
 * failed, another is due at {@code nextAttemptAt}), DEAD (out of attempts; only a retry
 * through the API sends it again)
 */
public record Delivery(long seq, UUID id, UUID eventId, String eventType, String status, int attempts,
		@Nullable Integer lastStatusCode, @Nullable String lastResponseBody, @Nullable String lastError,
		@Nullable Instant nextAttemptAt, Instant createdAt, @Nullable Instant deliveredAt) {
}
