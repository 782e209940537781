package dev.budgetledger.database;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The embedded PostgreSQL started when no datasource is configured
 * ({@code budget-ledger.embedded-database.*}).
 *
 * @param enabled whether to start one at all; {@code false} in production makes a missing
 * {@code spring.datasource.url} stop the start instead of quietly running on a local
 * database
 * @param dataDirectory where its data lives; kept across restarts (relative to the
 * working directory)
 * @param port its port on localhost; 0 picks a free one at each start (the log says
 * which)
 */
@ConfigurationProperties("budget-ledger.embedded-database")
public record EmbeddedDatabaseSettings(@DefaultValue("true") boolean enabled,
		@DefaultValue("data/postgres") Path dataDirectory, @DefaultValue("0") int port) {

	public EmbeddedDatabaseSettings {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("budget-ledger.embedded-database.port must be between 0 and 65535");
		}
	}

}
