package dev.budgetledger.support;

import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The real PostgreSQL every integration test runs on: a database of its own for this test
 * run, on the server {@link DatabaseServer} chose (a container, the given server, the
 * local one, or an embedded one). Given as connection details, so the service's own
 * embedded database (for runs without a datasource) stays off.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestDatabase {

	@Bean
	JdbcConnectionDetails testDatabase() {
		LocalDatabase database = LocalDatabase.shared();
		return new JdbcConnectionDetails() {

			@Override
			public String getUsername() {
				return database.username();
			}

			@Override
			public String getPassword() {
				return database.password();
			}

			@Override
			public String getJdbcUrl() {
				return database.url();
			}

		};
	}

}
