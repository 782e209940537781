package dev.budgetledger.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A reservation as the service answers it. {@code model} is the model to call: when {@code downgraded} is true the
 * service chose one of the request's fallback models instead of {@code requestedModel}. When {@code capped} is true,
 * {@code maxOutputTokens} was lowered to fit and is what the call may use.
 */
public record Reservation(UUID id, UUID budgetId, @Nullable String decision, String status, String currency,
		BigDecimal amount, @Nullable Long tokens, @Nullable BigDecimal charged, @Nullable Long chargedTokens,
		@Nullable BigDecimal released, @Nullable BigDecimal overrun, @Nullable String model,
		@Nullable String requestedModel, boolean downgraded, boolean capped, @Nullable Long inputTokens,
		@Nullable Long maxOutputTokens, boolean late, @Nullable Map<String, Object> metadata, Instant expiresAt,
		Instant createdAt, @Nullable Instant finishedAt, @Nullable BigDecimal available,
		@Nullable List<String> warnings) {

	public boolean held() {
		return "HELD".equals(this.status);
	}

}
