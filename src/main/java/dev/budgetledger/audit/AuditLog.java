package dev.budgetledger.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The append-only record of admin changes. {@link #record} joins the transaction of the
 * change it describes (and refuses to run without one), so a change and its audit entry
 * commit together or not at all.
 */
@Component
public class AuditLog {

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final Clock clock;

	AuditLog(JdbcClient jdbc, JsonMapper json, Clock clock) {
		this.jdbc = jdbc;
		this.json = json;
		this.clock = clock;
	}

	/**
	 * Records a change in the caller's transaction, whichever manager runs it: prices
	 * change under JPA's, everything else under JDBC's (a MANDATORY
	 * {@code @Transactional} would only see the default one).
	 * @param before the target as it was (null if it was created); a response view, never
	 * a secret
	 * @param after the target as it is now (a response view, never a secret)
	 */
	public void record(Actor actor, AuditAction action, String targetId, @Nullable Object before,
			@Nullable Object after) {
		if (!TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalTransactionStateException("An audit entry is written in the transaction of its change");
		}
		this.jdbc
			.sql("""
					INSERT INTO audit_log (actor_key_id, actor_name, action, target_type, target_id, before, after, created_at)
					VALUES (:actorKeyId, :actorName, :action, :targetType, :targetId, CAST(:before AS jsonb),
					    CAST(:after AS jsonb), :now)""")
			.param("actorKeyId", actor.keyId())
			.param("actorName", actor.name())
			.param("action", action.name())
			.param("targetType", action.targetType().name())
			.param("targetId", targetId)
			.param("before", (before != null) ? this.json.writeValueAsString(before) : null)
			.param("after", (after != null) ? this.json.writeValueAsString(after) : null)
			.param("now", Timestamp.from(this.clock.instant().truncatedTo(ChronoUnit.MICROS)))
			.update();
	}

	/**
	 * Entries in the order they were written, after entry {@code afterId}, optionally
	 * about one target only.
	 */
	@Transactional(readOnly = true)
	public List<AuditEntry> list(@Nullable String targetId, long afterId, int limit) {
		return this.jdbc.sql("""
				SELECT id, actor_key_id, actor_name, action, target_type, target_id, before, after, created_at
				FROM audit_log WHERE (CAST(:targetId AS varchar) IS NULL OR target_id = :targetId) AND id > :after
				ORDER BY id LIMIT :limit""")
			.param("targetId", targetId)
			.param("after", afterId)
			.param("limit", limit)
			.query((rs, row) -> new AuditEntry(rs.getLong("id"), rs.getObject("actor_key_id", UUID.class),
					rs.getString("actor_name"), AuditAction.valueOf(rs.getString("action")),
					rs.getString("target_type"), rs.getString("target_id"), tree(rs.getString("before")),
					tree(rs.getString("after")), rs.getTimestamp("created_at").toInstant()))
			.list();
	}

	private @Nullable JsonNode tree(@Nullable String text) {
		return (text != null) ? this.json.readTree(text) : null;
	}

}
