package dev.budgetledger.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A budget with its balances: {@code available = limit + carriedOver - spent - reserved}. A key bound to a budget
 * sees its own budget without {@code parentId} and, below the root, every budget without {@code rootId}: what lies
 * above its scope is not shown to it.
 */
public record Budget(UUID id, String name, @Nullable UUID parentId, @Nullable UUID rootId, int depth, String unit,
		@Nullable String currency, BigDecimal limit, BigDecimal spent, BigDecimal reserved, BigDecimal available,
		BigDecimal carriedOver, String status, String period, String mode, long heldCount, long callsInPeriod,
		long deniedCount, @Nullable Map<String, Object> metadata, Instant createdAt, Instant updatedAt) {
}
