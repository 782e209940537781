package dev.budgetledger.events;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.database.ReadReplica;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The outbox. {@link #record} only runs inside the transaction of the change it reports,
 * so an event exists exactly when its change committed.
 */
@Component
public class Events {

	/**
	 * A looping agent must not flood the feed: at most one denied event per budget in
	 * this window.
	 */
	static final Duration DENIED_WINDOW = Duration.ofMinutes(1);

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final ReadReplica replica;

	Events(JdbcClient jdbc, JsonMapper json, ReadReplica replica) {
		this.jdbc = jdbc;
		this.json = json;
		this.replica = replica;
	}

	@Transactional(propagation = Propagation.MANDATORY)
	public void record(EventType type, UUID budgetId, UUID rootId, @Nullable UUID reservationId,
			Map<String, Object> data, Instant now) {
		this.jdbc.sql("""
				INSERT INTO events (event_id, type, budget_id, root_id, reservation_id, data, created_at)
				VALUES (:eventId, :type, :budgetId, :rootId, :reservationId, CAST(:data AS jsonb), :now)""")
			.param("eventId", UUID.randomUUID())
			.param("type", type.wireName())
			.param("budgetId", budgetId)
			.param("rootId", rootId)
			.param("reservationId", reservationId)
			.param("data", this.json.writeValueAsString(data))
			.param("now", Timestamp.from(now))
			.update();
	}

	/**
	 * Records a denial unless one was recorded for the budget within
	 * {@link #DENIED_WINDOW}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void recordDenied(UUID budgetId, UUID rootId, Map<String, Object> data, Instant now) {
		boolean recent = this.jdbc.sql("""
				SELECT EXISTS (SELECT 1 FROM events WHERE budget_id = :budgetId AND type = 'reservation.denied'
				               AND created_at > :since)""")
			.param("budgetId", budgetId)
			.param("since", Timestamp.from(now.minus(DENIED_WINDOW)))
			.query(Boolean.class)
			.single();
		if (!recent) {
			record(EventType.DENIED, budgetId, rootId, null, data, now);
		}
	}

	/**
	 * The feed after {@code position}, oldest first, optionally of one type or one
	 * budget's subtree. Read from the read replica when there is a fresh one
	 * ({@link ReadReplica}): a standby holds a prefix of what the primary committed, so a
	 * lagging one only answers later, never with a gap the primary would not have.
	 */
	public List<Event> after(long position, @Nullable EventType type, @Nullable UUID subtreeOf, int limit) {
		return this.replica.read(jdbc -> jdbc.sql("""
				SELECT e.id, e.event_id, e.type, e.budget_id, e.reservation_id, e.data, e.created_at FROM events e
				WHERE e.id > :after AND (CAST(:type AS text) IS NULL OR e.type = :type)
				  AND (CAST(:subtree AS uuid) IS NULL
				       OR e.budget_id IN (SELECT id FROM budgets WHERE ancestors @> ARRAY[CAST(:subtree AS uuid)]))
				ORDER BY e.id LIMIT :limit""")
			.param("after", position)
			.param("type", (type != null) ? type.wireName() : null)
			.param("subtree", subtreeOf)
			.param("limit", limit)
			.query((rs, row) -> new Event(rs.getLong("id"), rs.getObject("event_id", UUID.class),
					EventType.fromWireName(rs.getString("type")), rs.getObject("budget_id", UUID.class),
					rs.getObject("reservation_id", UUID.class), this.json.readValue(rs.getString("data"), MAP),
					rs.getTimestamp("created_at").toInstant()))
			.list());
	}

}
