package dev.budgetledger.webhooks;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A webhook as the API shows it (and as the audit log records it): never its secret.
 *
 * @param events the event types it receives, by their wire names
 * @param budgetId when set, only events of this budget and the budgets below it
 * @param format {@code standard} (the event as JSON) or {@code slack} (a {"text": ...}
 * message)
 */
public record Webhook(UUID id, String url, List<String> events, @Nullable UUID budgetId, String format, boolean enabled,
		@Nullable String description, Instant createdAt, Instant updatedAt) {
}
