package dev.budgetledger.webhooks;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.events.EventType;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.shared.Ids;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Webhooks and their deliveries: every admin change is checked (URL against SSRF, event
 * types, budget) and audited in its own transaction. The secret leaves this class only in
 * the answer to a create or a rotation.
 */
@Component
public class Webhooks {

	public static final Set<String> FORMATS = Set.of("standard", "slack");

	private static final String COLUMNS = "id, url, event_types, budget_id, format, enabled, description, created_at, updated_at";

	private static final String DELIVERY_COLUMNS = """
			seq, id, event_id, event_type, status, attempts, last_status_code, last_response_body, last_error,
			next_attempt_at, created_at, delivered_at""";

	private static final RowMapper<Webhook> MAPPER = (rs, row) -> map(rs);

	private final JdbcClient jdbc;

	private final AuditLog audit;

	private final Budgets budgets;

	private final TargetGuard guard;

	private final WebhookSettings settings;

	private final Clock clock;

	Webhooks(JdbcClient jdbc, AuditLog audit, Budgets budgets, TargetGuard guard, WebhookSettings settings,
			Clock clock) {
		this.jdbc = jdbc;
		this.audit = audit;
		this.budgets = budgets;
		this.guard = guard;
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * A webhook and the secret it signs with, which is in this answer and nowhere else.
	 */
	public record Created(Webhook webhook, String secret) {

		@Override
		public String toString() {
			return "Created[" + this.webhook.id() + ", secret=[PROTECTED]]";
		}

	}

	/** The new secret, and until when the previous one still signs too. */
	public record Rotated(String secret, Instant previousSecretExpiresAt) {

		@Override
		public String toString() {
			return "Rotated[secret=[PROTECTED], previousSecretExpiresAt=" + this.previousSecretExpiresAt + "]";
		}

	}

	@Transactional
	public Created create(String url, List<String> events, @Nullable UUID budgetId, @Nullable String format,
			@Nullable String description, Actor actor) {
		this.guard.checkForSave(url);
		List<String> types = eventTypes(events);
		if (budgetId != null) {
			this.budgets.get(budgetId);
		}
		Instant now = now();
		String secret = WebhookSignatures.newSecret();
		Webhook webhook = new Webhook(Ids.newId(now), url, types, budgetId, (format != null) ? format : "standard",
				true, description, now, now);
		this.jdbc
			.sql("""
					INSERT INTO webhooks (id, url, event_types, budget_id, format, enabled, description, secret, created_at,
					    updated_at)
					VALUES (:id, :url, CAST(:events AS text[]), :budgetId, :format, true, :description, :secret, :now, :now)""")
			.param("id", webhook.id())
			.param("url", url)
			.param("events", textArray(types))
			.param("budgetId", budgetId)
			.param("format", webhook.format())
			.param("description", description)
			.param("secret", secret)
			.param("now", Timestamp.from(now))
			.update();
		this.audit.record(actor, AuditAction.WEBHOOK_CREATE, webhook.id().toString(), null, webhook);
		return new Created(webhook, secret);
	}

	public Webhook get(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM webhooks WHERE id = :id")
			.param("id", id)
			.query(MAPPER)
			.optional()
			.orElseThrow(() -> new WebhookNotFoundException(id));
	}

	/** Webhooks in creation order (ids are UUIDv7), after {@code after}. */
	public List<Webhook> list(@Nullable UUID after, int limit) {
		return this.jdbc
			.sql("SELECT " + COLUMNS
					+ " FROM webhooks WHERE (CAST(:after AS uuid) IS NULL OR id > :after) ORDER BY id LIMIT :limit")
			.param("after", after)
			.param("limit", limit)
			.query(MAPPER)
			.list();
	}

	@Transactional
	public Webhook update(UUID id, WebhookChanges changes, Actor actor) {
		if (changes.has("url")) {
			// Before the row lock: resolving a name may take a while.
			this.guard.checkForSave(required(changes.url(), "url"));
		}
		Webhook before = getForUpdate(id);
		String url = changes.has("url") ? required(changes.url(), "url") : before.url();
		List<String> events = changes.has("events") ? eventTypes(required(changes.events(), "events"))
				: before.events();
		UUID budgetId = changes.has("budgetId") ? changes.budgetId() : before.budgetId();
		if (changes.has("budgetId") && budgetId != null) {
			this.budgets.get(budgetId);
		}
		String format = changes.has("format") ? required(changes.format(), "format") : before.format();
		boolean enabled = changes.has("enabled") ? required(changes.enabled(), "enabled") : before.enabled();
		String description = changes.has("description") ? changes.description() : before.description();
		Webhook after = new Webhook(id, url, events, budgetId, format, enabled, description, before.createdAt(), now());
		write(after);
		this.audit.record(actor, AuditAction.WEBHOOK_UPDATE, id.toString(), before, after);
		return after;
	}

	/**
	 * Deletes a webhook and its deliveries; what is in flight finishes, and its result is
	 * dropped.
	 */
	@Transactional
	public void delete(UUID id, Actor actor) {
		Webhook before = getForUpdate(id);
		this.jdbc.sql("DELETE FROM webhooks WHERE id = :id").param("id", id).update();
		this.audit.record(actor, AuditAction.WEBHOOK_DELETE, id.toString(), before, null);
	}

	/**
	 * A new secret; the current one keeps signing (as a second signature) for the
	 * configured overlap.
	 */
	@Transactional
	public Rotated rotateSecret(UUID id, Actor actor) {
		Webhook before = getForUpdate(id);
		Instant now = now();
		Instant previousExpiresAt = now.plus(this.settings.secretOverlap());
		String secret = WebhookSignatures.newSecret();
		this.jdbc.sql("""
				UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = :expires, secret = :secret,
				    updated_at = :now WHERE id = :id""")
			.param("id", id)
			.param("expires", Timestamp.from(previousExpiresAt))
			.param("secret", secret)
			.param("now", Timestamp.from(now))
			.update();
		Webhook after = new Webhook(id, before.url(), before.events(), before.budgetId(), before.format(),
				before.enabled(), before.description(), before.createdAt(), now);
		this.audit.record(actor, AuditAction.WEBHOOK_ROTATE_SECRET, id.toString(), before, after);
		return new Rotated(secret, previousExpiresAt);
	}

	/**
	 * A webhook's deliveries in creation order after {@code afterSeq}, optionally of one
	 * status.
	 */
	public List<Delivery> deliveries(UUID webhookId, @Nullable String status, long afterSeq, int limit) {
		get(webhookId);
		return this.jdbc.sql("SELECT " + DELIVERY_COLUMNS + """
				 FROM webhook_deliveries WHERE webhook_id = :webhookId AND seq > :after
				  AND (CAST(:status AS varchar) IS NULL OR status = :status)
				ORDER BY seq LIMIT :limit""")
			.param("webhookId", webhookId)
			.param("after", afterSeq)
			.param("status", status)
			.param("limit", limit)
			.query((rs, row) -> delivery(rs))
			.list();
	}

	public Delivery delivery(UUID webhookId, UUID deliveryId) {
		return this.jdbc
			.sql("SELECT " + DELIVERY_COLUMNS + " FROM webhook_deliveries WHERE webhook_id = :webhookId AND id = :id")
			.param("webhookId", webhookId)
			.param("id", deliveryId)
			.query((rs, row) -> delivery(rs))
			.optional()
			.orElseThrow(() -> new DeliveryNotFoundException(webhookId, deliveryId));
	}

	/**
	 * Sends a delivery again, whatever its status (a DEAD one too), with a fresh count of
	 * attempts. A try in flight loses its claim, so its result is dropped and the
	 * delivery is sent once more.
	 */
	@Transactional
	public Delivery retry(UUID webhookId, UUID deliveryId, Actor actor) {
		get(webhookId);
		Delivery before = delivery(webhookId, deliveryId);
		this.jdbc
			.sql("""
					UPDATE webhook_deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = :now, claim_token = NULL,
					    delivered_at = NULL WHERE id = :id""")
			.param("id", deliveryId)
			.param("now", Timestamp.from(now()))
			.update();
		Delivery after = delivery(webhookId, deliveryId);
		this.audit.record(actor, AuditAction.WEBHOOK_DELIVERY_RETRY, webhookId.toString(), before, after);
		return after;
	}

	private Webhook getForUpdate(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM webhooks WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(MAPPER)
			.optional()
			.orElseThrow(() -> new WebhookNotFoundException(id));
	}

	private void write(Webhook webhook) {
		this.jdbc.sql("""
				UPDATE webhooks SET url = :url, event_types = CAST(:events AS text[]), budget_id = :budgetId,
				    format = :format, enabled = :enabled, description = :description, updated_at = :now
				WHERE id = :id""")
			.param("id", webhook.id())
			.param("url", webhook.url())
			.param("events", textArray(webhook.events()))
			.param("budgetId", webhook.budgetId())
			.param("format", webhook.format())
			.param("enabled", webhook.enabled())
			.param("description", webhook.description())
			.param("now", Timestamp.from(webhook.updatedAt()))
			.update();
	}

	/** Known wire names, each once, in the order given. */
	private static List<String> eventTypes(List<String> events) {
		Set<String> types = new LinkedHashSet<>();
		for (String type : events) {
			try {
				types.add(EventType.fromWireName(type).wireName());
			}
			catch (IllegalArgumentException ex) {
				throw new UnknownEventTypeException(type);
			}
		}
		return List.copyOf(types);
	}

	private static <T> T required(@Nullable T value, String field) {
		if (value == null) {
			throw new InvalidRequestException(field, "must not be null");
		}
		return value;
	}

	/**
	 * A PostgreSQL array literal; the wire names hold no quotes, commas or braces (they
	 * are checked above).
	 */
	private static String textArray(List<String> values) {
		return "{" + String.join(",", values) + "}";
	}

	private Instant now() {
		return this.clock.instant().truncatedTo(ChronoUnit.MICROS);
	}

	private static Webhook map(ResultSet rs) throws SQLException {
		Array types = rs.getArray("event_types");
		return new Webhook(rs.getObject("id", UUID.class), rs.getString("url"), List.of((String[]) types.getArray()),
				rs.getObject("budget_id", UUID.class), rs.getString("format"), rs.getBoolean("enabled"),
				rs.getString("description"), rs.getTimestamp("created_at").toInstant(),
				rs.getTimestamp("updated_at").toInstant());
	}

	private static Delivery delivery(ResultSet rs) throws SQLException {
		String status = rs.getString("status");
		boolean open = status.equals("PENDING") || status.equals("FAILED");
		Timestamp delivered = rs.getTimestamp("delivered_at");
		return new Delivery(rs.getLong("seq"), rs.getObject("id", UUID.class), rs.getObject("event_id", UUID.class),
				rs.getString("event_type"), status, rs.getInt("attempts"), (Integer) rs.getObject("last_status_code"),
				rs.getString("last_response_body"), rs.getString("last_error"),
				open ? rs.getTimestamp("next_attempt_at").toInstant() : null, rs.getTimestamp("created_at").toInstant(),
				(delivered != null) ? delivered.toInstant() : null);
	}

}
