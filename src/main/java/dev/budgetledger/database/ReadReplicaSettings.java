package dev.budgetledger.database;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * An optional read-only standby for reads that may be a little behind
 * ({@code budget-ledger.read-replica.*}): usage reports and the event feed, never a
 * decision ({@link ReadReplica}).
 *
 * @param url a JDBC URL of a streaming standby (a hot standby of the primary); empty:
 * every read goes to the primary
 * @param username its user; empty: the datasource's. Grant it {@code pg_monitor}, so that
 * it may see the WAL receiver's state: without it the standby cannot tell an idle primary
 * from a lost one, and counts as lagging whenever the primary has been quiet for
 * {@code maxLag}
 * @param password its password; empty: the datasource's
 * @param maxLag the staleness bound: a read goes to the standby only while it has
 * replayed everything it received from a primary it is streaming from, or its last
 * replayed commit is at most this old; otherwise to the primary
 * @param maximumPoolSize connections to the standby per instance
 */
@ConfigurationProperties("budget-ledger.read-replica")
record ReadReplicaSettings(@Nullable String url, @Nullable String username, @Nullable String password,
		@DefaultValue("10s") Duration maxLag, @DefaultValue("4") int maximumPoolSize) {

	ReadReplicaSettings {
		url = (url == null || url.isBlank()) ? null : url.strip();
		username = (username == null || username.isBlank()) ? null : username;
		password = (password == null || password.isEmpty()) ? null : password;
		if (url != null && !url.startsWith("jdbc:postgresql:")) {
			throw new IllegalArgumentException("budget-ledger.read-replica.url must be a jdbc:postgresql: URL");
		}
		if (maxLag.isNegative() || maxLag.isZero()) {
			throw new IllegalArgumentException("budget-ledger.read-replica.max-lag must be positive");
		}
		if (maximumPoolSize < 1) {
			throw new IllegalArgumentException("budget-ledger.read-replica.maximum-pool-size must be at least 1");
		}
	}

	/** Never the password: settings end up in logs and failure reports. */
	@Override
	public String toString() {
		return "ReadReplicaSettings[url=" + ((this.url != null) ? "set" : "none") + ", username=" + this.username
				+ ", password=" + ((this.password != null) ? "[PROTECTED]" : "none") + ", maxLag=" + this.maxLag
				+ ", maximumPoolSize=" + this.maximumPoolSize + "]";
	}

}
