package dev.budgetledger.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.errors.InvalidRequestException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs a POST exactly once per {@code Idempotency-Key} in the sender's key space: what
 * its API key may act for (see {@link Sender}). So a retry sent with the new key of a
 * rotation replays what the old key began instead of holding twice, and keys of different
 * scopes (tenants) can neither replay nor block each other's requests.
 * <p>
 * The action, the stored response and the key commit in <em>one</em> transaction. So a
 * retry after a lost connection finds either the committed response (and replays it) or
 * nothing (and runs the action again); it can never find a half-done request. A
 * transaction-scoped advisory lock on the key makes a concurrent duplicate fail fast with
 * 409 instead of waiting.
 */
@Component
public class IdempotentExecutor {

	public static final String HEADER = "Idempotency-Key";

	public static final String REPLAYED_HEADER = "Idempotent-Replayed";

	private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final JsonMapper json;

	private final Clock clock;

	private final IdempotencySettings settings;

	IdempotentExecutor(JdbcClient jdbc, TransactionTemplate transactions, JsonMapper json, Clock clock,
			IdempotencySettings settings) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.json = json;
		this.clock = clock;
		this.settings = settings;
	}

	/**
	 * Runs {@code action} in a transaction, at most once per key.
	 * @param sender the API key the request was authenticated with and its key space, in
	 * which the Idempotency-Key is unique
	 * @param key the client's Idempotency-Key, or {@code null} to just run the action
	 * @param method the HTTP method, part of what makes two requests "the same"
	 * @param path the request path, likewise
	 * @param request the parsed request body (or {@code null}), likewise
	 */
	public ResponseEntity<String> execute(Sender sender, @Nullable String key, String method, String path,
			@Nullable Object request, Supplier<StoredResponse> action) {
		if (key != null) {
			validate(key);
		}
		return this.transactions.execute(status -> executeInTransaction(sender, key, method, path, request, action));
	}

	/**
	 * As {@link #execute}, inside a transaction the caller has begun and commits (a
	 * coalesced batch of reserves): the key's record commits with the action, or not at
	 * all. Throws what {@link #execute} answers as a problem (a reused key, a key in
	 * flight); the caller rolls back.
	 */
	public ResponseEntity<String> executeInTransaction(Sender sender, @Nullable String key, String method, String path,
			@Nullable Object request, Supplier<StoredResponse> action) {
		if (key == null) {
			StoredResponse response = action.get();
			return toEntity(response.status(), serialize(response.body()), response.location(), false);
		}
		validate(key);
		String hash = hash(method, path, request);
		Boolean locked = this.jdbc.sql("SELECT pg_try_advisory_xact_lock(hashtextextended(:lock, 0))")
			.param("lock", lockName(sender.keySpace(), key))
			.query(Boolean.class)
			.single();
		if (!Boolean.TRUE.equals(locked)) {
			throw new IdempotencyKeyInFlightException();
		}
		Instant now = this.clock.instant();
		Stored stored = this.jdbc.sql("""
				SELECT request_hash, response_status, response_body, location FROM idempotency_keys
				WHERE key_space = :space AND idempotency_key = :key AND expires_at > :now""")
			.param("space", sender.keySpace())
			.param("key", key)
			.param("now", Timestamp.from(now))
			.query(Stored.class)
			.optional()
			.orElse(null);
		if (stored != null) {
			if (!stored.requestHash().equals(hash)) {
				throw new IdempotencyKeyReusedException();
			}
			return toEntity(stored.responseStatus(), stored.responseBody(), stored.location(), true);
		}
		StoredResponse response = action.get();
		String body = serialize(response.body());
		this.jdbc.sql("""
				INSERT INTO idempotency_keys (key_space, api_key_id, idempotency_key, request_hash, response_status,
				    response_body, location, created_at, expires_at)
				VALUES (:space, :apiKeyId, :key, :hash, :status, :body, :location, :now, :expiresAt)
				ON CONFLICT (key_space, idempotency_key) DO UPDATE SET api_key_id = EXCLUDED.api_key_id,
				    request_hash = EXCLUDED.request_hash,
				    response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
				    location = EXCLUDED.location, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at""")
			.param("space", sender.keySpace())
			.param("apiKeyId", sender.apiKeyId())
			.param("key", key)
			.param("hash", hash)
			.param("status", response.status())
			.param("body", body)
			.param("location", response.location())
			.param("now", Timestamp.from(now))
			.param("expiresAt", Timestamp.from(now.plus(this.settings.retention())))
			.update();
		return toEntity(response.status(), body, response.location(), false);
	}

	/**
	 * Deletes expired keys in bounded batches; {@code SKIP LOCKED} lets several instances
	 * purge side by side.
	 */
	int purgeExpired(int batchSize) {
		return this.jdbc.sql("""
				DELETE FROM idempotency_keys WHERE (key_space, idempotency_key) IN (
				    SELECT key_space, idempotency_key FROM idempotency_keys WHERE expires_at <= :now
				    LIMIT :batch FOR UPDATE SKIP LOCKED)""")
			.param("now", Timestamp.from(this.clock.instant()))
			.param("batch", batchSize)
			.update();
	}

	/**
	 * Names the advisory lock of one key space's Idempotency-Key (hashed to 64 bits by
	 * {@code hashtextextended}).
	 */
	static String lockName(String keySpace, String key) {
		return keySpace + ":" + key;
	}

	private static void validate(String key) {
		if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
			throw new InvalidRequestException(HEADER, "must be 1 to 255 visible ASCII characters");
		}
	}

	private String hash(String method, String path, @Nullable Object request) {
		String canonical = method + ' ' + path + '\n'
				+ ((request != null) ? this.json.writeValueAsString(request) : "");
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by every JVM", ex);
		}
	}

	private String serialize(Object body) {
		return this.json.writeValueAsString(body);
	}

	private static ResponseEntity<String> toEntity(int status, String body, @Nullable String location,
			boolean replayed) {
		HttpHeaders headers = new HttpHeaders();
		headers.setContentType((status >= 400) ? PROBLEM_JSON : MediaType.APPLICATION_JSON);
		if (location != null) {
			headers.set(HttpHeaders.LOCATION, location);
		}
		if (replayed) {
			headers.set(REPLAYED_HEADER, "true");
		}
		return ResponseEntity.status(status).headers(headers).body(body);
	}

	record Stored(String requestHash, int responseStatus, String responseBody, @Nullable String location) {
	}

}
