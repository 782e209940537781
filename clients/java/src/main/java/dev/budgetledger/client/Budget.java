package dev.budgetledger.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A budget with its balances: {@code available = limit + carriedOver - spent - reserved}. A key bound to a budget
 * sees its own budget without {@code parentId} and, below the root, every budget without {@code rootId}: what lies
 * above its scope is not shown to it. {@code allowedModels} are the models a reserve on it or below it may use, as
 * set on it ({@code null}: every model; lists above it apply too); {@code maxHoldOutputTokens} the most output
 * tokens a reservation on it or below it holds when made ({@code null}: no cap).
 */
public record Budget(UUID id, String name, @Nullable UUID parentId, @Nullable UUID rootId, int depth, String unit,
		@Nullable String currency, BigDecimal limit, BigDecimal spent, BigDecimal reserved, BigDecimal available,
		BigDecimal carriedOver, String status, String period, String mode, long heldCount, long callsInPeriod,
		long deniedCount, @Nullable Map<String, Object> metadata, Instant createdAt, Instant updatedAt,
		@Nullable List<String> allowedModels, @Nullable Long maxHoldOutputTokens) {

	/** The budget as it was before allowed models and hold caps, for code that builds one itself. */
	public Budget(UUID id, String name, @Nullable UUID parentId, @Nullable UUID rootId, int depth, String unit,
			@Nullable String currency, BigDecimal limit, BigDecimal spent, BigDecimal reserved, BigDecimal available,
			BigDecimal carriedOver, String status, String period, String mode, long heldCount, long callsInPeriod,
			long deniedCount, @Nullable Map<String, Object> metadata, Instant createdAt, Instant updatedAt) {
		this(id, name, parentId, rootId, depth, unit, currency, limit, spent, reserved, available, carriedOver, status,
				period, mode, heldCount, callsInPeriod, deniedCount, metadata, createdAt, updatedAt, null, null);
	}

}
