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
import org.springframework.transaction.support.TransactionTemplate;

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

	/**
	 * The advisory lock that lets one reader at a time publish (any number, any
	 * instance).
	 */
	private static final long PUBLISHING_LOCK = 0x6576656e74730001L;

	private static final int PUBLISH_BATCH = 10_000;

	/** An event {@code e} of the budget {@code :subtree} or below it (any, when null). */
	private static final String IN_SUBTREE = "(CAST(:subtree AS uuid) IS NULL"
			+ " OR e.budget_id IN (SELECT id FROM budgets WHERE ancestors @> ARRAY[CAST(:subtree AS uuid)]))";

	/** How long a read waits for committed events to be published. */
	static final Duration PUBLISH_WAIT = Duration.ofSeconds(2);

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final ReadReplica replica;

	private final TransactionTemplate transactions;

	Events(JdbcClient jdbc, JsonMapper json, ReadReplica replica, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.json = json;
		this.replica = replica;
		this.transactions = transactions;
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
	 * Gives positions to the events whose transactions have ended before any running
	 * transaction began writing, in (transaction, id) order after the highest position so
	 * far (see V25's comment). An event whose transaction is still open, or began after
	 * one that is, waits: so a position is never given below one a reader may already
	 * have passed. One publisher at a time (an advisory lock; the others wait for it,
	 * bounded by the lock timeout).
	 */
	private void publish() {
		this.transactions.executeWithoutResult(status -> {
			this.jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", PUBLISHING_LOCK).query().singleRow();
			this.jdbc.sql("""
					WITH ready AS (
					    SELECT id, txid FROM events
					    WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
					    ORDER BY txid, id LIMIT :batch),
					numbered AS (SELECT id, row_number() OVER (ORDER BY txid, id) AS n FROM ready),
					top AS (SELECT COALESCE(max(position), 0) AS position FROM events)
					UPDATE events e SET position = top.position + numbered.n
					FROM numbered, top WHERE e.id = numbered.id""").param("batch", PUBLISH_BATCH).update();
		});
	}

	/**
	 * Publishes, and while committed events of the reader's subtree still wait for a
	 * transaction that began writing before them (a moment, usually), publishes again,
	 * for at most {@link #PUBLISH_WAIT}: so a reader sees what committed before it asked
	 * unless a long transaction is running.
	 */
	private void publishCommitted(@Nullable UUID subtreeOf) {
		long deadline = System.nanoTime() + PUBLISH_WAIT.toNanos();
		publish();
		while (waiting(subtreeOf) && System.nanoTime() < deadline) {
			try {
				Thread.sleep(5);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			publish();
		}
	}

	/**
	 * Whether committed events of the reader's subtree (of every tree for an unbound
	 * reader) wait for publication: a reader never waits on another tenant's events.
	 */
	private boolean waiting(@Nullable UUID subtreeOf) {
		return Boolean.TRUE.equals(
				this.jdbc.sql("SELECT EXISTS (SELECT 1 FROM events e WHERE e.position IS NULL AND " + IN_SUBTREE + ")")
					.param("subtree", subtreeOf)
					.query(Boolean.class)
					.single());
	}

	/**
	 * The feed between {@code after} and {@code before} (exclusive; null for none),
	 * oldest or newest first, optionally of one type or one budget's subtree: what is
	 * published on the primary first, then read. Read from the read replica when there is
	 * a fresh one ({@link ReadReplica}): a standby holds a prefix of what the primary
	 * committed, and positions are given in commit order, so a lagging one only answers
	 * later, never with a gap.
	 */
	public List<Event> page(long after, @Nullable Long before, boolean newestFirst, @Nullable EventType type,
			@Nullable UUID subtreeOf, int limit) {
		publishCommitted(subtreeOf);
		return this.replica.read(jdbc -> jdbc.sql("""
				SELECT e.position, e.event_id, e.type, e.budget_id, e.reservation_id, e.data, e.created_at FROM events e
				WHERE e.position > :after AND e.position < :before AND (CAST(:type AS text) IS NULL OR e.type = :type)
				  AND %s
				ORDER BY e.position %s LIMIT :limit""".formatted(IN_SUBTREE, newestFirst ? "DESC" : "ASC"))
			.param("after", after)
			.param("before", (before != null) ? before : Long.MAX_VALUE)
			.param("type", (type != null) ? type.wireName() : null)
			.param("subtree", subtreeOf)
			.param("limit", limit)
			.query((rs, row) -> new Event(rs.getLong("position"), rs.getObject("event_id", UUID.class),
					EventType.fromWireName(rs.getString("type")), rs.getObject("budget_id", UUID.class),
					rs.getObject("reservation_id", UUID.class), this.json.readValue(rs.getString("data"), MAP),
					rs.getTimestamp("created_at").toInstant()))
			.list());
	}

}
