package dev.budgetledger.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads that may be a little behind: usage reports and the event feed. They run on the
 * read-only standby of {@code budget-ledger.read-replica.*} while it is within
 * {@code max-lag} of the primary, and on the primary otherwise (no standby configured,
 * too far behind, unreachable, or a query cancelled there by a recovery conflict), so
 * they are never more stale than the bound and never fail because of the standby.
 * Decisions (reserve, settle, release, extend, charges, the expiry sweep, idempotency,
 * API keys) never come here: they read and lock on the primary, in the transaction that
 * writes.
 * <p>
 * Either way a read is one read-only repeatable-read transaction: one snapshot for all
 * its queries. On the standby the staleness is measured inside that transaction, right
 * before its first query, so it bounds the snapshot the read sees: zero while the standby
 * has replayed all the WAL it received from a primary it is streaming from, otherwise the
 * age of its last replayed commit ({@code pg_last_xact_replay_timestamp()}). The second
 * can only overstate: after a quiet spell on the primary a standby just behind by one
 * commit counts as that spell behind, and such a read goes to the primary.
 */
@Component
public class ReadReplica implements DisposableBean {

	/**
	 * Staleness of the standby in milliseconds, measured in the read's own transaction.
	 */
	static final String LAG = """
			SELECT CASE
			  WHEN NOT pg_is_in_recovery() THEN 0
			  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
			       AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
			  ELSE coalesce(floor(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000),
			                9223372036854775807)::bigint
			END""";

	/**
	 * After the standby could not be reached, how long reads go straight to the primary
	 * before it is tried again.
	 */
	static final Duration RETRY_AFTER = Duration.ofSeconds(5);

	private static final Logger log = LoggerFactory.getLogger(ReadReplica.class);

	private final @Nullable HikariDataSource standby;

	private final Duration maxLag;

	private final JdbcClient primary;

	private final TransactionTemplate primaryReads;

	private final MeterRegistry meters;

	private final AtomicLong lagMillis = new AtomicLong(-1);

	private volatile long unreachableUntil;

	ReadReplica(ReadReplicaSettings settings, JdbcClient primary, PlatformTransactionManager transactions,
			ObjectProvider<JdbcConnectionDetails> details, MeterRegistry meters) {
		this.primary = primary;
		this.maxLag = settings.maxLag();
		this.meters = meters;
		this.primaryReads = new TransactionTemplate(transactions);
		this.primaryReads.setReadOnly(true);
		this.primaryReads.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
		this.unreachableUntil = System.nanoTime();
		String url = settings.url();
		if (url == null) {
			this.standby = null;
			return;
		}
		JdbcConnectionDetails datasource = details.getObject();
		HikariConfig config = new HikariConfig();
		config.setPoolName("budget-ledger-read-replica");
		config.setJdbcUrl(url);
		config.setUsername((settings.username() != null) ? settings.username() : datasource.getUsername());
		config.setPassword((settings.password() != null) ? settings.password() : datasource.getPassword());
		config.setMaximumPoolSize(settings.maximumPoolSize());
		config.setMinimumIdle(0);
		config.setConnectionTimeout(2000);
		config.setValidationTimeout(1000);
		// The service starts, and serves from the primary, while the standby is down.
		config.setInitializationFailTimeout(-1);
		config.setSchema("budget_ledger");
		config.addDataSourceProperty("connectTimeout", "2");
		config.addDataSourceProperty("socketTimeout", "30");
		config.addDataSourceProperty("tcpKeepAlive", "true");
		config.addDataSourceProperty("options", "-c statement_timeout=10000");
		this.standby = new HikariDataSource(config);
		Gauge.builder("budget_ledger.replica.lag", this.lagMillis, lag -> lag.get() / 1000.0)
			.baseUnit("seconds")
			.description("Staleness of the read replica at its last read (-1 before the first)")
			.register(meters);
	}

	/** Whether a standby is configured at all. */
	public boolean configured() {
		return this.standby != null;
	}

	/**
	 * Runs {@code query} in one read-only repeatable-read transaction, on the standby if
	 * it is configured, reachable and within {@code max-lag}, else on the primary. The
	 * query must only read.
	 */
	public <T> T read(Function<JdbcClient, T> query) {
		HikariDataSource replica = this.standby;
		if (replica == null) {
			return onPrimary(query, null);
		}
		if (System.nanoTime() - this.unreachableUntil < 0) {
			return onPrimary(query, "unavailable");
		}
		Connection connection;
		try {
			connection = replica.getConnection();
		}
		catch (SQLException ex) {
			this.unreachableUntil = System.nanoTime() + RETRY_AFTER.toNanos();
			log.warn("Read replica unreachable ({}); reading from the primary for {}s", ex.getMessage(),
					RETRY_AFTER.toSeconds());
			return onPrimary(query, "unavailable");
		}
		String fallback;
		long lag;
		try {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
				try (ResultSet rows = statement.executeQuery(LAG)) {
					rows.next();
					lag = rows.getLong(1);
				}
			}
			this.lagMillis.set(lag);
			if (lag > this.maxLag.toMillis()) {
				connection.rollback();
				fallback = "lagging";
			}
			else {
				T result = query.apply(JdbcClient.create(new SingleConnectionDataSource(connection, true)));
				connection.commit();
				count("replica", "fresh");
				return result;
			}
		}
		catch (SQLException | DataAccessException ex) {
			// A query cancelled by a recovery conflict, a standby going away mid-read:
			// the primary answers.
			log.warn("Read on the replica failed ({}); reading from the primary", ex.getMessage());
			rollbackQuietly(connection);
			fallback = "failed";
		}
		catch (RuntimeException | Error ex) {
			rollbackQuietly(connection);
			throw ex;
		}
		finally {
			try {
				connection.close();
			}
			catch (SQLException ex) {
				log.debug("Closing a read replica connection failed", ex);
			}
		}
		// Only now, with the standby's connection back in its pool.
		return onPrimary(query, fallback);
	}

	private <T> T onPrimary(Function<JdbcClient, T> query, @Nullable String reason) {
		T result = this.primaryReads.execute(status -> query.apply(this.primary));
		if (reason != null) {
			count("primary", reason);
		}
		return result;
	}

	private void count(String servedBy, String reason) {
		Counter.builder("budget_ledger.replica.reads")
			.description("Reads that may use the read replica, by where they were served and why")
			.tag("served_by", servedBy)
			.tag("reason", reason)
			.register(this.meters)
			.increment();
	}

	private static void rollbackQuietly(Connection connection) {
		try {
			connection.rollback();
		}
		catch (SQLException ex) {
			log.debug("Rollback on the read replica failed", ex);
		}
	}

	@Override
	public void destroy() {
		if (this.standby != null) {
			this.standby.close();
		}
	}

}
