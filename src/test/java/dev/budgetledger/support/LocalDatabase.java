package dev.budgetledger.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A database created for this test run on an existing PostgreSQL server and dropped when the JVM exits, so runs
 * never see each other's data.
 */
final class LocalDatabase {

	static final String URL_VARIABLE = "BUDGET_LEDGER_TEST_DATABASE_URL";

	private static final String DEFAULT_URL = "jdbc:postgresql://localhost:5432/postgres";

	private static LocalDatabase shared;

	private final String url;

	private final String username;

	private final String password;

	private LocalDatabase(String url, String username, String password) {
		this.url = url;
		this.username = username;
		this.password = password;
	}

	static synchronized LocalDatabase shared() {
		if (shared == null) {
			shared = create();
		}
		return shared;
	}

	String url() {
		return this.url;
	}

	String username() {
		return this.username;
	}

	String password() {
		return this.password;
	}

	private static LocalDatabase create() {
		String serverUrl = env(URL_VARIABLE, DEFAULT_URL);
		String username = env("BUDGET_LEDGER_TEST_DATABASE_USERNAME", "postgres");
		String password = env("BUDGET_LEDGER_TEST_DATABASE_PASSWORD", "postgres");
		String name = "budget_ledger_test_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
				+ "_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
		execute(serverUrl, username, password, "CREATE DATABASE " + name);
		Runtime.getRuntime()
			.addShutdownHook(new Thread(
					() -> execute(serverUrl, username, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")));
		return new LocalDatabase(withDatabase(serverUrl, name), username, password);
	}

	/** Swaps the database name in {@code jdbc:postgresql://host:port/db?params}. */
	static String withDatabase(String serverUrl, String database) {
		int paramsAt = serverUrl.indexOf('?');
		String base = (paramsAt < 0) ? serverUrl : serverUrl.substring(0, paramsAt);
		String params = (paramsAt < 0) ? "" : serverUrl.substring(paramsAt);
		int slash = base.indexOf('/', "jdbc:postgresql://".length());
		String hostPart = (slash < 0) ? base : base.substring(0, slash);
		return hostPart + "/" + database + params;
	}

	private static void execute(String url, String username, String password, String sql) {
		try (Connection connection = DriverManager.getConnection(url, username, password);
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot run '" + sql + "' on " + url
					+ " (is PostgreSQL running? set BUDGET_LEDGER_TEST_DATABASE_URL to point elsewhere)", ex);
		}
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

}
