package dev.budgetledger.webhooks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.errors.ApiException;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns outbox events into deliveries and sends them. Safe on every instance at once, and
 * away from the reserve path: it never reads a budget row for update, and it talks to
 * receivers outside any transaction.
 * <ol>
 * <li>{@link #fanOut}: one short transaction takes a batch of events not fanned out yet
 * ({@code FOR UPDATE SKIP
 * LOCKED}), makes a delivery for every enabled webhook that wants it (a unique key makes
 * that once per webhook and event), and marks the events. One instance fans out at a time
 * (a transaction-scoped advisory lock), so deliveries are made in event order.</li>
 * <li>{@link #dispatchAvailable}: one short transaction claims the first due delivery of
 * each webhook with no call in flight here ({@code FOR UPDATE SKIP LOCKED}), moving its
 * next attempt a lease ahead and stamping it with a claim token; the HTTP calls run on
 * the fixed pool after it commits, one at a time per webhook, so a slow endpoint holds
 * one thread and delays only its own deliveries; a second short transaction per delivery
 * records the result, only if the claim is still its own. A delivery waits while an
 * earlier event of the same budget is still open (pending or failed) for the same
 * webhook, so a receiver sees a budget's events in order unless one of them went
 * dead.</li>
 * </ol>
 */
@Component
class WebhookDispatcher implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

	/**
	 * Key of the advisory lock that makes fan-out one instance at a time ("webhook" in
	 * ASCII).
	 */
	private static final long FAN_OUT_LOCK = 0x776562686f6f6bL;

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private static final Actor DISPATCHER = Actor.service("webhook dispatcher");

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final TargetGuard guard;

	private final WebhookSettings settings;

	private final AuditLog audit;

	private final JsonMapper json;

	private final Clock clock;

	private final MeterRegistry meters;

	private final Timer lag;

	private final HttpClient http;

	private final ExecutorService calls;

	/**
	 * Endpoints with a call in flight from this instance; guarded by itself for
	 * {@link #awaitIdle}.
	 */
	private final Set<UUID> busy = ConcurrentHashMap.newKeySet();

	WebhookDispatcher(JdbcClient jdbc, PlatformTransactionManager transactionManager, TargetGuard guard,
			WebhookSettings settings, AuditLog audit, JsonMapper json, Clock clock, MeterRegistry meters) {
		this.jdbc = jdbc;
		this.transactions = new TransactionTemplate(transactionManager);
		this.guard = guard;
		this.settings = settings;
		this.audit = audit;
		this.json = json;
		this.clock = clock;
		this.meters = meters;
		this.lag = Timer.builder("budget_ledger.webhook.delivery.lag")
			.description("From an event to its successful delivery to a webhook")
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(10))
			.maximumExpectedValue(Duration.ofHours(2))
			.register(meters);
		AtomicInteger threadNumber = new AtomicInteger();
		this.calls = Executors.newFixedThreadPool(settings.threads(), runnable -> {
			Thread thread = new Thread(runnable, "webhook-call-" + threadNumber.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		// Redirects are not followed: the guard checked this URL, not wherever a receiver
		// would send us next.
		this.http = HttpClient.newBuilder()
			.connectTimeout(settings.connectTimeout())
			.followRedirects(HttpClient.Redirect.NEVER)
			.version(HttpClient.Version.HTTP_1_1)
			.build();
	}

	/**
	 * Fans out, then starts the calls of endpoints that have none in flight here; what
	 * the scheduler calls. It does not wait for any call, so a slow endpoint holds up
	 * nothing but its own deliveries.
	 */
	void runOnce() {
		for (int batch = 0; batch < 20 && fanOut() == this.settings.batchSize(); batch++) {
			// keep going: a full batch means more may be waiting
		}
		dispatchAvailable();
	}

	/**
	 * Makes the deliveries of one batch of events; answers how many events it took (0 if
	 * another instance is at it).
	 */
	int fanOut() {
		Integer taken = this.transactions.execute(status -> {
			boolean mine = this.jdbc.sql("SELECT pg_try_advisory_xact_lock(:key)")
				.param("key", FAN_OUT_LOCK)
				.query(Boolean.class)
				.single();
			if (!mine) {
				return 0;
			}
			return this.jdbc
				.sql("""
						WITH batch AS (
						    SELECT id, event_id, type, budget_id, root_id FROM events WHERE fanned_out_at IS NULL
						    ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED),
						marked AS (
						    UPDATE events e SET fanned_out_at = :now FROM batch WHERE e.id = batch.id),
						made AS (
						    INSERT INTO webhook_deliveries (id, webhook_id, event_position, event_id, event_type, budget_id,
						        root_id, status, next_attempt_at, created_at)
						    SELECT gen_random_uuid(), w.id, batch.id, batch.event_id, batch.type, batch.budget_id, batch.root_id,
						           'PENDING', :now, :now
						    FROM batch JOIN budgets b ON b.id = batch.budget_id
						    JOIN webhooks w ON w.enabled AND batch.type = ANY (w.event_types)
						                   AND (w.budget_id IS NULL OR w.budget_id = ANY (b.ancestors))
						    ORDER BY batch.id, w.id
						    ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING)
						SELECT count(*) FROM batch""")
				.param("limit", this.settings.batchSize())
				.param("now", Timestamp.from(this.clock.instant()))
				.query(Integer.class)
				.single();
		});
		return (taken != null) ? taken : 0;
	}

	/**
	 * Claims one batch of due deliveries of all webhooks together, sends them and waits
	 * for the answers; answers how many it claimed. A synchronous round for tests that
	 * step the dispatcher; the scheduler uses {@link #dispatchAvailable}, which never
	 * waits.
	 */
	int dispatchDue() {
		UUID token = UUID.randomUUID();
		List<Claimed> claimed = claim(token, this.settings.batchSize(), null, null);
		List<Future<?>> running = new ArrayList<>();
		for (Claimed delivery : claimed) {
			running.add(this.calls.submit(() -> deliver(delivery, token)));
		}
		for (Future<?> call : running) {
			try {
				call.get();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return claimed.size();
			}
			catch (ExecutionException ex) {
				// The claim lease runs out and another run tries again: at least once,
				// even after a bug here.
				log.warn("Webhook delivery failed unexpectedly", ex.getCause());
			}
		}
		return claimed.size();
	}

	/**
	 * Claims the first due delivery of each endpoint that has no call in flight on this
	 * instance, as many as the pool has free threads, and hands each to a thread of the
	 * pool; answers how many it started, without waiting for any.
	 */
	int dispatchAvailable() {
		int free = this.settings.threads() - this.busy.size();
		if (free <= 0) {
			return 0;
		}
		UUID token = UUID.randomUUID();
		List<Claimed> claimed = claim(token, Math.min(free, this.settings.batchSize()), null, Set.copyOf(this.busy));
		for (Claimed delivery : claimed) {
			this.busy.add(delivery.webhookId());
			try {
				this.calls.execute(() -> serve(delivery, token));
			}
			catch (RejectedExecutionException ex) {
				// shutting down: the claim lease runs out and another instance sends it
				idle(delivery.webhookId());
			}
		}
		return claimed.size();
	}

	/**
	 * One endpoint's turn on a pool thread: its deliveries one after another (never two
	 * calls to it at once from here), up to a batch, so an endpoint with a backlog leaves
	 * its thread to the others now and then.
	 */
	private void serve(Claimed first, UUID firstToken) {
		UUID webhookId = first.webhookId();
		try {
			Claimed delivery = first;
			UUID token = firstToken;
			for (int sent = 1;; sent++) {
				deliver(delivery, token);
				if (sent >= this.settings.batchSize() || Thread.currentThread().isInterrupted()) {
					break;
				}
				token = UUID.randomUUID();
				List<Claimed> next = claim(token, 1, webhookId, Set.of());
				if (next.isEmpty()) {
					break;
				}
				delivery = next.get(0);
			}
		}
		catch (RuntimeException ex) {
			// The claim lease runs out and a later run tries again: at least once, even
			// after a bug or an outage here.
			log.warn("Webhook delivery failed unexpectedly: {}", ex.getMessage());
		}
		finally {
			idle(webhookId);
		}
	}

	private void idle(UUID webhookId) {
		synchronized (this.busy) {
			this.busy.remove(webhookId);
			this.busy.notifyAll();
		}
	}

	/**
	 * Waits until no call is in flight on this instance, or the bound is over; answers
	 * whether none is.
	 */
	boolean awaitIdle(Duration bound) throws InterruptedException {
		long deadline = System.nanoTime() + bound.toNanos();
		synchronized (this.busy) {
			while (!this.busy.isEmpty()) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				TimeUnit.NANOSECONDS.timedWait(this.busy, left);
			}
		}
		return true;
	}

	/** A claimed delivery with everything its HTTP call needs. */
	private record Claimed(UUID id, UUID webhookId, int attempts, String url, String format, String secret,
			@Nullable String previousSecret, @Nullable Instant previousSecretExpiresAt, Payloads.EventMessage event) {
	}

	/**
	 * Claims due deliveries: with {@code busy} null, the first {@code limit} of all
	 * endpoints together (the round of {@link #dispatchDue}); otherwise the first of each
	 * endpoint not in {@code busy} (or only of {@code webhookId}), oldest first, at most
	 * {@code limit}.
	 */
	private List<Claimed> claim(UUID token, int limit, @Nullable UUID webhookId, @Nullable Set<UUID> busy) {
		Instant now = this.clock.instant();
		String open = """
				d.status IN ('PENDING', 'FAILED') AND d.next_attempt_at <= :now
				AND NOT EXISTS (
				    SELECT 1 FROM webhook_deliveries p
				    WHERE p.webhook_id = d.webhook_id AND p.budget_id = d.budget_id
				      AND p.status IN ('PENDING', 'FAILED') AND p.event_position < d.event_position)""";
		String due = (busy == null) ? """
				SELECT d.seq FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
				WHERE w.enabled AND %s
				ORDER BY d.next_attempt_at, d.seq LIMIT :limit
				FOR UPDATE OF d SKIP LOCKED""".formatted(open) : """
				SELECT first.seq FROM webhooks w CROSS JOIN LATERAL (
				    SELECT d.seq, d.next_attempt_at FROM webhook_deliveries d
				    WHERE d.webhook_id = w.id AND %s
				    ORDER BY d.next_attempt_at, d.seq LIMIT 1
				    FOR UPDATE OF d SKIP LOCKED) first
				WHERE w.enabled AND %s
				ORDER BY first.next_attempt_at, first.seq LIMIT :limit""".formatted(open,
				(webhookId != null) ? "w.id = :webhook" : "NOT (w.id = ANY (CAST(:busy AS uuid[])))");
		String busyIds = (busy == null) ? "{}"
				: busy.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
		List<Claimed> claimed = this.transactions.execute(status -> this.jdbc
			.sql("""
					WITH due AS (%s)
					UPDATE webhook_deliveries d SET claim_token = :token, attempts = d.attempts + 1, next_attempt_at = :lease
					FROM due, webhooks w, events e, budgets b
					WHERE d.seq = due.seq AND w.id = d.webhook_id AND e.id = d.event_position AND b.id = d.budget_id
					RETURNING d.id, d.webhook_id, d.attempts, w.url, w.format, w.secret, w.previous_secret,
					    w.previous_secret_expires_at, d.event_id, d.event_type, e.created_at AS event_time, d.budget_id,
					    b.name AS budget_name, e.reservation_id, e.data"""
				.formatted(due))
			.param("now", Timestamp.from(now))
			.param("lease", Timestamp.from(now.plus(this.settings.claimLease())))
			.param("token", token)
			.param("limit", limit)
			.param("webhook", (webhookId != null) ? webhookId : new UUID(0, 0)) // bound
																				// only
																				// where
																				// the SQL
																				// names
																				// it
			.param("busy", busyIds)
			.query((rs, row) -> {
				Timestamp previousExpires = rs.getTimestamp("previous_secret_expires_at");
				return new Claimed(rs.getObject("id", UUID.class), rs.getObject("webhook_id", UUID.class),
						rs.getInt("attempts"), rs.getString("url"), rs.getString("format"), rs.getString("secret"),
						rs.getString("previous_secret"), (previousExpires != null) ? previousExpires.toInstant() : null,
						new Payloads.EventMessage(rs.getObject("event_id", UUID.class), rs.getString("event_type"),
								rs.getTimestamp("event_time").toInstant(), rs.getObject("budget_id", UUID.class),
								rs.getString("budget_name"), rs.getObject("reservation_id", UUID.class),
								this.json.readValue(rs.getString("data"), MAP)));
			})
			.list());
		return (claimed != null) ? claimed : List.of();
	}

	/** What a receiver answered, or why there was no answer. */
	private record Answer(@Nullable Integer status, @Nullable String body, @Nullable String error,
			Optional<Duration> retryAfter) {

		boolean succeeded() {
			return this.status != null && this.status >= 200 && this.status < 300;
		}

	}

	private void deliver(Claimed delivery, UUID token) {
		Answer answer = call(delivery);
		this.transactions.executeWithoutResult(status -> record(delivery, token, answer));
	}

	private Answer call(Claimed delivery) {
		try {
			// Again at delivery time: the name may resolve elsewhere now than when the
			// webhook was saved.
			this.guard.check(delivery.url());
		}
		catch (ApiException ex) {
			return new Answer(null, null, ex.getMessage(), Optional.empty());
		}
		Instant now = this.clock.instant();
		byte[] body = Payloads.body(delivery.format(), delivery.event(), this.json);
		String messageId = delivery.event().id().toString();
		long timestamp = now.getEpochSecond();
		String signature = WebhookSignatures.sign(delivery.secret(), messageId, timestamp, body);
		if (delivery.previousSecret() != null && delivery.previousSecretExpiresAt() != null
				&& delivery.previousSecretExpiresAt().isAfter(now)) {
			signature += " " + WebhookSignatures.sign(delivery.previousSecret(), messageId, timestamp, body);
		}
		HttpRequest request = HttpRequest.newBuilder(URI.create(delivery.url()))
			.timeout(this.settings.readTimeout())
			.header("Content-Type", "application/json")
			.header("User-Agent", "budget-ledger-webhooks/1")
			.header("webhook-id", messageId)
			.header("webhook-timestamp", Long.toString(timestamp))
			.header("webhook-signature", signature)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build();
		CompletableFuture<HttpResponse<String>> exchange = this.http.sendAsync(request, LimitedBody.handler());
		try {
			// Bounds the whole exchange, body included; the request timeout alone stops
			// at the headers.
			HttpResponse<String> response = exchange.get(
					this.settings.connectTimeout().plus(this.settings.readTimeout()).toMillis(), TimeUnit.MILLISECONDS);
			return new Answer(response.statusCode(), response.body(), null, Backoff
				.retryAfter(response.headers().firstValue("Retry-After").orElse(null), this.clock.instant()));
		}
		catch (TimeoutException ex) {
			exchange.cancel(true);
			return new Answer(null, null, "timed out", Optional.empty());
		}
		catch (InterruptedException ex) {
			exchange.cancel(true);
			Thread.currentThread().interrupt();
			return new Answer(null, null, "interrupted", Optional.empty());
		}
		catch (ExecutionException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			String message = cause.getClass().getSimpleName()
					+ ((cause.getMessage() != null) ? ": " + cause.getMessage() : "");
			return new Answer(null, null, message, Optional.empty());
		}
	}

	private void record(Claimed delivery, UUID token, Answer answer) {
		Instant now = this.clock.instant();
		String outcome;
		String status;
		Instant next = now;
		if (answer.succeeded()) {
			outcome = "succeeded";
			status = "SUCCEEDED";
		}
		else if (answer.status() != null && answer.status() == 410) {
			// Gone: the receiver says it will never want these again. The delivery stays
			// open, so it is sent if an
			// admin enables the webhook again.
			outcome = "disabled";
			status = "FAILED";
		}
		else if (delivery.attempts() >= this.settings.maxAttempts()) {
			outcome = "dead";
			status = "DEAD";
		}
		else {
			outcome = "failed";
			status = "FAILED";
			next = now.plus(Backoff.delay(delivery.attempts(), this.settings, ThreadLocalRandom.current(),
					answer.retryAfter()));
		}
		String error = (answer.error() != null) ? answer.error()
				: answer.succeeded() ? null : "HTTP " + answer.status();
		int updated = this.jdbc.sql("""
				UPDATE webhook_deliveries SET status = :status, last_status_code = :code, last_response_body = :body,
				    last_error = :error, next_attempt_at = :next, claim_token = NULL,
				    delivered_at = CASE WHEN :status = 'SUCCEEDED' THEN CAST(:now AS timestamptz) END
				WHERE id = :id AND claim_token = :token""")
			.param("id", delivery.id())
			.param("token", token)
			.param("status", status)
			.param("code", answer.status())
			.param("body", answer.body())
			.param("error", (error != null && error.length() > 500) ? error.substring(0, 500) : error)
			.param("next", Timestamp.from(next))
			.param("now", Timestamp.from(now))
			.update();
		if (updated == 0) {
			return; // the claim was taken away (a retry through the API, or the webhook
					// was deleted)
		}
		if (outcome.equals("disabled")) {
			disable(delivery.webhookId(), now);
		}
		this.meters
			.counter("budget_ledger.webhook.deliveries", "outcome", outcome, "event_type", delivery.event().type())
			.increment();
		if (answer.succeeded()) {
			this.lag.record(Duration.between(delivery.event().time(), now));
		}
	}

	private void disable(UUID webhookId, Instant now) {
		Map<String, Object> before = this.jdbc.sql("SELECT enabled FROM webhooks WHERE id = :id FOR UPDATE")
			.param("id", webhookId)
			.query()
			.singleRow();
		if (!Boolean.TRUE.equals(before.get("enabled"))) {
			return;
		}
		this.jdbc.sql("UPDATE webhooks SET enabled = false, updated_at = :now WHERE id = :id")
			.param("id", webhookId)
			.param("now", Timestamp.from(now))
			.update();
		this.audit.record(DISPATCHER, AuditAction.WEBHOOK_UPDATE, webhookId.toString(), Map.of("enabled", true),
				Map.of("enabled", false, "reason", "the endpoint answered 410 Gone"));
		log.info("Webhook {} disabled: its endpoint answered 410 Gone", webhookId);
	}

	@Override
	public void destroy() {
		this.calls.shutdownNow();
	}

}
