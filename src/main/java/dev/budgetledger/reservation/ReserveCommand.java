package dev.budgetledger.reservation;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A request to hold what {@code ask} needs on a budget and its ancestors for {@code ttl}.
 *
 * @param apiKeyId the API key the reserve came with (null for reserves made inside the
 * service)
 * @param idempotencyKey the caller's Idempotency-Key, if any: stored on the reservation
 * so the reconciliation can show that no key took effect twice
 */
public record ReserveCommand(UUID budgetId, Ask ask, Duration ttl, Map<String, Object> metadata,
		@Nullable UUID apiKeyId, @Nullable String idempotencyKey, @Nullable String runId) {

	public ReserveCommand(UUID budgetId, Ask ask, Duration ttl, Map<String, Object> metadata) {
		this(budgetId, ask, ttl, metadata, null, null, null);
	}

	/**
	 * The same command for the run {@code runId} (or none): the run's caps apply and the
	 * reservation records it.
	 */
	public ReserveCommand forRun(@Nullable String runId) {
		return new ReserveCommand(this.budgetId, this.ask, this.ttl, this.metadata, this.apiKeyId, this.idempotencyKey,
				runId);
	}

	/**
	 * The same command, sent by {@code apiKeyId} under {@code idempotencyKey} (or none).
	 * The key is recorded either way: usage reports split spend by API key.
	 */
	public ReserveCommand sentWith(UUID apiKeyId, @Nullable String idempotencyKey) {
		return new ReserveCommand(this.budgetId, this.ask, this.ttl, this.metadata, apiKeyId, idempotencyKey,
				this.runId);
	}

	/**
	 * The same command, made on {@code leafId} instead (a subject's child of the budget
	 * it named), for the same run.
	 */
	public ReserveCommand onBudget(UUID leafId) {
		return new ReserveCommand(leafId, this.ask, this.ttl, this.metadata, this.apiKeyId, this.idempotencyKey,
				this.runId);
	}

}
