package dev.budgetledger.audit;

import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One recorded change: who, what, the target before and after (null when it did not
 * exist), and when.
 */
public record AuditEntry(long id, @Nullable UUID actorKeyId, String actorName, AuditAction action, String targetType,
		String targetId, @Nullable JsonNode before, @Nullable JsonNode after, Instant createdAt) {
}
