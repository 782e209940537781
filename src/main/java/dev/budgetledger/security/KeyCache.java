package dev.budgetledger.security;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Active API keys by the hash of their secret, so that a request costs no database round
 * trip for its key, while a revocation still reaches every instance at once.
 * <p>
 * Revoking a key notifies the channel {@value #CHANNEL} in the revoking transaction;
 * PostgreSQL delivers the notification when it commits, to every instance, each of which
 * listens on a connection of its own and drops the key (the instance that revoked drops
 * it itself as well, before answering). An instance trusts its cache only while it
 * listens: at start, and whenever its listening connection is lost (the database
 * restarted, the backend was terminated, or the connection stopped answering for
 * {@link #PROBE_TIMEOUT}), it forgets every key and looks each one up again until it
 * listens anew.
 * <p>
 * Only facts that never change are taken from the cache (a key's id, role, binding and
 * expiry; expiry is checked against the clock on every request); revocation, the one
 * change a key can undergo, always evicts it. A lookup that began before an eviction
 * never puts what it read back (a generation count guards the window between reading and
 * caching).
 * <p>
 * The listening connection is one of the pool's, or, with
 * {@code budget-ledger.security.key-cache-listen-url}, a connection of its own straight
 * to PostgreSQL: behind a pooler in transaction mode (PgBouncer) a pooled connection
 * cannot keep a {@code LISTEN}, since its server connection goes back to the pooler after
 * every statement. The revoking side needs nothing special: {@code pg_notify} is
 * transactional and goes out with the commit, through the pooler or not.
 * <p>
 * Off ({@code budget-ledger.security.key-cache=false}), it never listens and so never
 * caches.
 */
@Component
class KeyCache implements SmartLifecycle {

	static final String CHANNEL = "budget_ledger_api_keys";

	/**
	 * How long the listening connection may take to answer its liveness probe before it
	 * is given up.
	 */
	static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

	private static final Logger log = LoggerFactory.getLogger(KeyCache.class);

	/** Past this many keys the cache starts over; it only saves lookups. */
	private static final int MAX_KEYS = 10_000;

	private static final int POLL_MILLIS = 500;

	private final DataSource dataSource;

	private final boolean enabled;

	/** Opens the listening connection: from the pool, or straight to PostgreSQL. */
	private final ListenerConnections connections;

	private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();

	/**
	 * Bumped by every eviction and every change of {@link #listening}, under this
	 * object's lock.
	 */
	private long generation;

	private volatile boolean listening;

	private volatile boolean running;

	/**
	 * The PostgreSQL backend of the listening connection, while there is one (for
	 * operators and tests).
	 */
	private volatile int backend;

	private @Nullable Thread listener;

	KeyCache(DataSource dataSource, SecuritySettings settings, ObjectProvider<JdbcConnectionDetails> details) {
		this.dataSource = dataSource;
		this.enabled = settings.keyCache();
		String url = settings.keyCacheListenUrl();
		if (url == null) {
			this.connections = this.dataSource::getConnection;
		}
		else {
			JdbcConnectionDetails credentials = details.getObject();
			this.connections = () -> direct(url, credentials.getUsername(), credentials.getPassword());
		}
	}

	/**
	 * A connection of its own to the PostgreSQL at {@code url}, with the pool's bounded
	 * connect wait.
	 */
	private static Connection direct(String url, @Nullable String username, @Nullable String password)
			throws SQLException {
		Properties properties = new Properties();
		if (username != null) {
			properties.setProperty("user", username);
		}
		if (password != null) {
			properties.setProperty("password", password);
		}
		properties.setProperty("connectTimeout", "2");
		properties.setProperty("tcpKeepAlive", "true");
		Connection connection = new Driver().connect(url, properties);
		if (connection == null) {
			throw new SQLException("Not a PostgreSQL JDBC URL: key-cache-listen-url");
		}
		return connection;
	}

	@FunctionalInterface
	private interface ListenerConnections {

		Connection open() throws SQLException;

	}

	/**
	 * The cached key with this secret hash, if the cache may be trusted now and holds it.
	 */
	@Nullable ApiKey get(byte[] hash) {
		return this.listening ? this.keys.get(key(hash)) : null;
	}

	/** The generation to hand back to {@link #put} after a lookup that starts now. */
	synchronized long generation() {
		return this.generation;
	}

	/**
	 * Caches a key read by a lookup that started at {@code generation}, unless anything
	 * was evicted since.
	 */
	synchronized void put(byte[] hash, ApiKey key, long generation) {
		if (!this.listening || generation != this.generation) {
			return;
		}
		if (this.keys.size() >= MAX_KEYS) {
			this.keys.clear();
		}
		this.keys.put(key(hash), key);
	}

	/** Forgets the key with this id (revoked here or elsewhere). */
	synchronized void evict(UUID id) {
		this.generation++;
		this.keys.values().removeIf(key -> key.id().equals(id));
	}

	boolean listening() {
		return this.listening;
	}

	/** The process id of the listening connection's backend, 0 while not listening. */
	int backend() {
		return this.listening ? this.backend : 0;
	}

	private synchronized void listening(boolean now) {
		this.generation++;
		this.keys.clear();
		this.listening = now;
	}

	private static String key(byte[] hash) {
		return new String(hash, StandardCharsets.ISO_8859_1);
	}

	@Override
	public void start() {
		this.running = true;
		if (!this.enabled) {
			// Never listening: every request looks its key up.
			return;
		}
		Thread thread = new Thread(this::listen, "api-key-listener");
		thread.setDaemon(true);
		this.listener = thread;
		thread.start();
	}

	@Override
	public void stop() {
		this.running = false;
		Thread thread = this.listener;
		if (thread != null) {
			thread.interrupt();
			try {
				thread.join(PROBE_TIMEOUT.toMillis() + POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		listening(false);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private void listen() {
		long backoff = 100;
		while (this.running) {
			try (Connection connection = this.connections.open()) {
				connection.setAutoCommit(true);
				Executor direct = Runnable::run;
				connection.setNetworkTimeout(direct, (int) PROBE_TIMEOUT.toMillis());
				try (Statement statement = connection.createStatement()) {
					statement.execute("SET application_name = 'budget-ledger api-key listener'");
					statement.execute("LISTEN " + CHANNEL);
					try (var pid = statement.executeQuery("SELECT pg_backend_pid()")) {
						pid.next();
						this.backend = pid.getInt(1);
					}
					listening(true);
					backoff = 100;
					PGConnection postgres = connection.unwrap(PGConnection.class);
					while (this.running) {
						PGNotification[] notifications = postgres.getNotifications(POLL_MILLIS);
						if (notifications != null) {
							for (PGNotification notification : notifications) {
								evict(notification.getParameter());
							}
						}
						// A half-open connection delivers nothing and raises nothing: ask
						// it something.
						statement.execute("SELECT 1");
					}
					statement.execute("UNLISTEN *");
					statement.execute("RESET application_name");
				}
			}
			catch (SQLException | RuntimeException ex) {
				if (this.running) {
					log.warn("Not listening for API key revocations ({}); looking every key up until listening again",
							ex.toString());
				}
			}
			finally {
				listening(false);
			}
			if (this.running) {
				try {
					Thread.sleep(backoff);
				}
				catch (InterruptedException ex) {
					return;
				}
				backoff = Math.min(backoff * 2, 5_000);
			}
		}
	}

	private void evict(String payload) {
		try {
			evict(UUID.fromString(payload));
		}
		catch (IllegalArgumentException notAnId) {
			listening(true);
		}
	}

	/**
	 * Starts before the web server and stops after it (its phase is DEFAULT_PHASE -
	 * 2048).
	 */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

}
