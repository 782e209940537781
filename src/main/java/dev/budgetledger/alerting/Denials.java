package dev.budgetledger.alerting;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.reservation.Ask;
import dev.budgetledger.reservation.Decider;
import dev.budgetledger.reservation.DenyReason;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Every DENY of a real reserve, one row each, so usage reports count denied calls exactly
 * (the {@code reservation.denied} event is rate-limited and cannot be counted). Written
 * by {@link dev.budgetledger.ledger.Ledger} in the transaction of the decision: one
 * INSERT, on the deny path only.
 */
@Repository
public class Denials {

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private final JdbcClient jdbc;

	private final JsonMapper json;

	Denials(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	/**
	 * One denied call.
	 *
	 * @param budgetId the budget the reserve was made on
	 * @param deniedBy the budget of its chain that said no
	 * @param amount the money the requested option would have held, in {@code currency}
	 * @param tokens the tokens it would have held, for token-priced asks
	 */
	public record Denial(long id, UUID budgetId, UUID deniedBy, DenyReason reason, @Nullable String model,
			String currency, BigDecimal amount, @Nullable Long tokens, @Nullable UUID apiKeyId, @Nullable String runId,
			Map<String, Object> metadata, Instant createdAt) {
	}

	/**
	 * Records the denial of {@code ask}, sent with API key {@code apiKeyId} (null for
	 * reserves made inside the service) for run {@code runId} (or none), with the
	 * reserve's {@code metadata}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void record(Budget leaf, Decider.Deny deny, Ask ask, @Nullable UUID apiKeyId, @Nullable String runId,
			Map<String, Object> metadata, Instant now) {
		Ask.Option requested = ask.requested();
		this.jdbc.sql("""
				INSERT INTO denials (budget_id, denied_by, root_id, reason, model, currency, amount, tokens, api_key_id,
				    run_id, metadata, created_at)
				VALUES (:budgetId, :deniedBy, :rootId, :reason, :model, :currency, :amount, :tokens, :apiKeyId,
				    :runId, CAST(:metadata AS jsonb), :now)""")
			.param("budgetId", leaf.id())
			.param("deniedBy", deny.limitingBudgetId())
			.param("rootId", leaf.rootId())
			.param("reason", deny.reason().name())
			.param("model", requested.model())
			.param("currency", java.util.Objects.requireNonNull(ask.currency()))
			.param("amount", requested.amount())
			.param("tokens", requested.tokens())
			.param("apiKeyId", apiKeyId)
			.param("runId", runId)
			.param("metadata", this.json.writeValueAsString(metadata))
			.param("now", Timestamp.from(now))
			.update();
	}

	/**
	 * Denials of reserves made in the subtree of {@code budgetId}, newest first, before
	 * denial {@code beforeId}.
	 */
	public List<Denial> listSubtree(Budget budget, long beforeId, int limit) {
		return this.jdbc.sql("""
				SELECT id, budget_id, denied_by, reason, model, currency, amount, tokens, api_key_id, run_id, metadata,
				   created_at
				FROM denials
				WHERE root_id = :rootId AND id < :before
				  AND budget_id IN (SELECT id FROM budgets WHERE ancestors @> ARRAY[CAST(:budgetId AS uuid)])
				ORDER BY id DESC LIMIT :limit""")
			.param("rootId", budget.rootId())
			.param("budgetId", budget.id())
			.param("before", beforeId)
			.param("limit", limit)
			.query((rs, row) -> new Denial(rs.getLong("id"), rs.getObject("budget_id", UUID.class),
					rs.getObject("denied_by", UUID.class), DenyReason.valueOf(rs.getString("reason")),
					rs.getString("model"), rs.getString("currency"), rs.getBigDecimal("amount"),
					Budgets.longOrNull(rs, "tokens"), rs.getObject("api_key_id", UUID.class), rs.getString("run_id"),
					this.json.readValue(rs.getString("metadata"), MAP), rs.getTimestamp("created_at").toInstant()))
			.list();
	}

}
