package dev.budgetledger.security;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Access control ({@code budget-ledger.security.*}).
 *
 * @param adminKey an admin API key to accept from the first start on (env
 * {@code BUDGET_LEDGER_ADMIN_KEY} or {@code BUDGET_LEDGER_SECURITY_ADMIN_KEY}); checked
 * at startup by {@link AdminKeyBootstrap}, which refuses weak values. Without one, and
 * with no key in the database, the service generates the first admin key and logs it
 * once.
 * @param rateLimit the per-key request rate limit
 * @param keyCache whether keys are cached, with revocations heard through LISTEN/NOTIFY
 * ({@link KeyCache}); turn it off where the service reaches PostgreSQL through a pooler
 * in transaction mode, which cannot keep a LISTEN, unless {@code keyCacheListenUrl} gives
 * the listener a direct connection
 * @param keyCacheListenUrl a JDBC URL to PostgreSQL itself, not through a pooler, for the
 * cache's one listening connection (user and password are the datasource's); empty: the
 * listener takes a connection of the pool, which is right when the pool connects to
 * PostgreSQL directly. Behind PgBouncer in transaction mode a LISTEN on a pooled
 * connection hears nothing (the server connection goes back to the pooler after each
 * statement), so set this there (docs/scaling.md)
 */
@ConfigurationProperties("budget-ledger.security")
record SecuritySettings(@Nullable String adminKey, @DefaultValue RateLimit rateLimit,
		@DefaultValue("true") boolean keyCache, @Nullable String keyCacheListenUrl) {

	SecuritySettings {
		adminKey = (adminKey == null || adminKey.isBlank()) ? null : adminKey.strip();
		keyCacheListenUrl = (keyCacheListenUrl == null || keyCacheListenUrl.isBlank()) ? null
				: keyCacheListenUrl.strip();
		if (keyCacheListenUrl != null && !keyCacheListenUrl.startsWith("jdbc:postgresql:")) {
			throw new IllegalArgumentException("key-cache-listen-url must be a jdbc:postgresql: URL");
		}
	}

	/** Never the key itself: settings end up in logs and failure reports. */
	@Override
	public String toString() {
		return "SecuritySettings[adminKey=" + ((this.adminKey != null) ? "[PROTECTED]" : "none") + ", rateLimit="
				+ this.rateLimit + ", keyCache=" + this.keyCache + ", keyCacheListenUrl="
				+ ((this.keyCacheListenUrl != null) ? "set" : "none") + "]";
	}

	/**
	 * A token bucket per API key, in memory on each instance: {@code burst} requests at
	 * once, refilled at {@code requestsPerSecond}. With N instances behind a balancer a
	 * key gets up to N times as much.
	 *
	 * @param requestsPerSecond the sustained rate (may be fractional, e.g. 0.5)
	 * @param burst the most requests a key can make at once after a quiet spell
	 */
	record RateLimit(@DefaultValue("100") double requestsPerSecond, @DefaultValue("200") int burst) {

		RateLimit {
			if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
				throw new IllegalArgumentException("rate-limit.requests-per-second must be a positive number");
			}
			if (burst < 1) {
				throw new IllegalArgumentException("rate-limit.burst must be at least 1");
			}
		}

	}

}
