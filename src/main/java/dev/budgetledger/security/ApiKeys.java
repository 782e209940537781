package dev.budgetledger.security;

import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.shared.Ids;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * API keys: creation, lookup, revocation. The only code that sees a secret, and only
 * twice: when it is generated (to hash it and hand it out once) and when a request
 * presents it (to hash it and look the hash up). Neither the secret nor its hash is ever
 * logged, returned or audited.
 * <p>
 * Active keys are cached by hash ({@link KeyCache}), so a request costs no database round
 * trip for its key; a revocation evicts the key here once committed, before it is
 * answered, and, through a notification sent on commit, on every other instance
 * (docs/security.md).
 */
@Component
public class ApiKeys {

	private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

	private static final String COLUMNS = "id, name, role, budget_id, prefix, created_at, expires_at, revoked_at";

	private static final RowMapper<ApiKey> MAPPER = (rs, row) -> map(rs);

	private final JdbcClient jdbc;

	private final AuditLog audit;

	private final Clock clock;

	private final KeyCache cache;

	ApiKeys(JdbcClient jdbc, AuditLog audit, Clock clock, KeyCache cache) {
		this.jdbc = jdbc;
		this.audit = audit;
		this.clock = clock;
		this.cache = cache;
	}

	/**
	 * Creates a key with a fresh secret and audits it in the same transaction.
	 * @param budgetId the (existing) budget a CLIENT key is bound to, or {@code null}
	 */
	@Transactional
	public Created create(String name, Role role, @Nullable UUID budgetId, @Nullable Instant expiresAt, Actor actor) {
		String secret = ApiKeySecrets.generate();
		ApiKey key = insert(secret, name, role, budgetId, expiresAt);
		this.audit.record(actor, AuditAction.API_KEY_CREATE, key.id().toString(), null, key);
		return new Created(key, secret);
	}

	/**
	 * Stores a key whose secret was chosen elsewhere (the configured admin key) unless a
	 * key with that secret exists.
	 * @return the key if it was stored now, empty if it existed already
	 */
	@Transactional
	Optional<ApiKey> register(String secret, String name, Role role, Actor actor) {
		if (findByHash(ApiKeySecrets.hash(secret)).isPresent()) {
			return Optional.empty();
		}
		ApiKey key = insert(secret, name, role, null, null);
		this.audit.record(actor, AuditAction.API_KEY_CREATE, key.id().toString(), null, key);
		return Optional.of(key);
	}

	private ApiKey insert(String secret, String name, Role role, @Nullable UUID budgetId, @Nullable Instant expiresAt) {
		Instant now = now();
		ApiKey key = new ApiKey(Ids.newId(now), name, role, budgetId, ApiKeySecrets.shown(secret), now, expiresAt,
				null);
		this.jdbc.sql("""
				INSERT INTO api_keys (id, name, role, budget_id, prefix, secret_hash, created_at, expires_at)
				VALUES (:id, :name, :role, :budgetId, :prefix, :hash, :createdAt, :expiresAt)""")
			.param("id", key.id())
			.param("name", key.name())
			.param("role", key.role().name())
			.param("budgetId", key.budgetId())
			.param("prefix", key.prefix())
			.param("hash", ApiKeySecrets.hash(secret))
			.param("createdAt", Timestamp.from(now))
			.param("expiresAt", (expiresAt != null) ? Timestamp.from(expiresAt) : null)
			.update();
		return key;
	}

	public ApiKey get(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM api_keys WHERE id = :id")
			.param("id", id)
			.query(MAPPER)
			.optional()
			.orElseThrow(() -> new ApiKeyNotFoundException(id));
	}

	/** Keys in creation order (ids are UUIDv7), after {@code after}. */
	public List<ApiKey> list(@Nullable UUID after, int limit) {
		return this.jdbc
			.sql("SELECT " + COLUMNS
					+ " FROM api_keys WHERE (CAST(:after AS uuid) IS NULL OR id > :after) ORDER BY id LIMIT :limit")
			.param("after", after)
			.param("limit", limit)
			.query(MAPPER)
			.list();
	}

	boolean any() {
		return this.jdbc.sql("SELECT EXISTS (SELECT 1 FROM api_keys)").query(Boolean.class).single();
	}

	/**
	 * Revokes a key at once; revoking a revoked key changes nothing. The row lock makes
	 * two concurrent revocations audit once.
	 */
	@Transactional
	public void revoke(UUID id, Actor actor) {
		ApiKey before = this.jdbc.sql("SELECT " + COLUMNS + " FROM api_keys WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(MAPPER)
			.optional()
			.orElseThrow(() -> new ApiKeyNotFoundException(id));
		if (before.revokedAt() != null) {
			return;
		}
		Instant now = now();
		this.jdbc.sql("UPDATE api_keys SET revoked_at = :now WHERE id = :id")
			.param("id", id)
			.param("now", Timestamp.from(now))
			.update();
		// Every instance drops the key when this commits (the notification); this one
		// also itself, right after the
		// commit and before answering, and a lookup that read the key as active before
		// then cannot cache it.
		this.jdbc.sql("SELECT pg_notify(:channel, :id)")
			.param("channel", KeyCache.CHANNEL)
			.param("id", id.toString())
			.query((rs, row) -> 1)
			.single();
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCompletion(int status) {
				ApiKeys.this.cache.evict(id);
			}
		});
		ApiKey after = new ApiKey(before.id(), before.name(), before.role(), before.budgetId(), before.prefix(),
				before.createdAt(), before.expiresAt(), now);
		this.audit.record(actor, AuditAction.API_KEY_REVOKE, id.toString(), before, after);
	}

	/**
	 * The caller a presented secret stands for, if it is a known key that is neither
	 * revoked nor expired.
	 */
	public Optional<Caller> authenticate(String secret) {
		if (!ApiKeySecrets.looksLikeKey(secret)) {
			return Optional.empty();
		}
		byte[] hash = ApiKeySecrets.hash(secret);
		ApiKey key = this.cache.get(hash);
		if (key == null) {
			long generation = this.cache.generation();
			Optional<Stored> found = findByHash(hash);
			if (found.isEmpty()) {
				return Optional.empty();
			}
			key = found.get().key();
			if (key.revokedAt() == null) {
				this.cache.put(hash, key, generation);
			}
		}
		ApiKey.Status status = key.status(this.clock.instant());
		if (status != ApiKey.Status.ACTIVE) {
			// Worth knowing: someone still uses a key that was taken away. Its id and
			// prefix, never the secret.
			log.info("Refused {} API key {} ({})", status.name().toLowerCase(Locale.ROOT), key.id(), key.prefix());
			return Optional.empty();
		}
		return Optional.of(new Caller(key.id(), key.name(), key.role(), key.budgetId()));
	}

	/**
	 * Looks the hash up by its unique index, then compares it again in constant time as a
	 * second line of defence.
	 */
	private Optional<Stored> findByHash(byte[] hash) {
		return this.jdbc.sql("SELECT " + COLUMNS + ", secret_hash FROM api_keys WHERE secret_hash = :hash")
			.param("hash", hash)
			.query((rs, row) -> new Stored(map(rs), rs.getBytes("secret_hash")))
			.optional()
			.filter(stored -> MessageDigest.isEqual(stored.hash(), hash));
	}

	private Instant now() {
		return this.clock.instant().truncatedTo(ChronoUnit.MICROS);
	}

	private static ApiKey map(ResultSet rs) throws SQLException {
		Timestamp expiresAt = rs.getTimestamp("expires_at");
		Timestamp revokedAt = rs.getTimestamp("revoked_at");
		return new ApiKey(rs.getObject("id", UUID.class), rs.getString("name"), Role.valueOf(rs.getString("role")),
				rs.getObject("budget_id", UUID.class), rs.getString("prefix"),
				rs.getTimestamp("created_at").toInstant(), (expiresAt != null) ? expiresAt.toInstant() : null,
				(revokedAt != null) ? revokedAt.toInstant() : null);
	}

	/**
	 * A new key and its secret, which exists nowhere else: show it once, then forget it.
	 */
	public record Created(ApiKey key, String secret) {

		@Override
		public String toString() {
			return "Created[key=" + this.key + ", secret=[PROTECTED]]";
		}

	}

	private record Stored(ApiKey key, byte[] hash) {
	}

}
