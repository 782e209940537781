package dev.budgetledger.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL server the tests of this JVM create their databases on, chosen once:
 * <ol>
 * <li>the server at {@code BUDGET_LEDGER_TEST_DATABASE_URL} if set (user and password
 * from {@code BUDGET_LEDGER_TEST_DATABASE_USERNAME} / {@code _PASSWORD}, default
 * {@code postgres}): whoever set it chose that server;</li>
 * <li>otherwise a Testcontainers PostgreSQL if Docker works;</li>
 * <li>otherwise a server answering on {@code localhost:5432} (user and password
 * {@code postgres});</li>
 * <li>otherwise an embedded PostgreSQL started for this run, so the tests need nothing
 * but a JDK.</li>
 * </ol>
 * {@code BUDGET_LEDGER_TEST_DATABASE} (or {@code -Dbudget-ledger.test-database}) =
 * {@code container}, {@code url}, {@code local} or {@code embedded} skips the choice,
 * e.g. to show a run without a server on a machine that has one. Never a mock, never H2.
 */
final class DatabaseServer {

	static final String URL_VARIABLE = "BUDGET_LEDGER_TEST_DATABASE_URL";

	static final String CHOICE_VARIABLE = "BUDGET_LEDGER_TEST_DATABASE";

	static final String LOCAL_URL = "jdbc:postgresql://localhost:5432/postgres";

	enum Source {

		CONTAINER, URL, LOCAL, EMBEDDED

	}

	private static @Nullable DatabaseServer shared;

	private final Source source;

	private final String url;

	private final String username;

	private final String password;

	private DatabaseServer(Source source, String url, String username, String password) {
		this.source = source;
		this.url = url;
		this.username = username;
		this.password = password;
	}

	static synchronized DatabaseServer shared() {
		if (shared == null) {
			Source source = choose(setting(), Docker::available, env(URL_VARIABLE), DatabaseServer::localReachable);
			shared = start(source);
			System.out.println("Test database server: " + source + " at " + shared.url);
		}
		return shared;
	}

	/** The choice, as a pure function of what is forced, what works and what is given. */
	static Source choose(@Nullable String forced, BooleanSupplier docker, @Nullable String url,
			BooleanSupplier localReachable) {
		if (forced != null) {
			try {
				return Source.valueOf(forced.trim().toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalStateException(
						CHOICE_VARIABLE + " must be container, url, local or embedded, not '" + forced + "'", ex);
			}
		}
		if (url != null) {
			return Source.URL;
		}
		if (docker.getAsBoolean()) {
			return Source.CONTAINER;
		}
		return localReachable.getAsBoolean() ? Source.LOCAL : Source.EMBEDDED;
	}

	Source source() {
		return this.source;
	}

	/**
	 * A connection to the server's maintenance database, for creating and dropping test
	 * databases.
	 */
	Connection connect() throws SQLException {
		return DriverManager.getConnection(this.url, this.username, this.password);
	}

	/** The URL of {@code database} on this server. */
	String urlOf(String database) {
		return withDatabase(this.url, database);
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

	private static DatabaseServer start(Source source) {
		String username = envOr("BUDGET_LEDGER_TEST_DATABASE_USERNAME", "postgres");
		String password = envOr("BUDGET_LEDGER_TEST_DATABASE_PASSWORD", "postgres");
		return switch (source) {
			case CONTAINER -> {
				PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse("postgres:17-alpine"));
				container.start();
				yield new DatabaseServer(source, container.getJdbcUrl(), container.getUsername(),
						container.getPassword());
			}
			case URL -> {
				String url = env(URL_VARIABLE);
				if (url == null) {
					throw new IllegalStateException(CHOICE_VARIABLE + "=url needs " + URL_VARIABLE);
				}
				yield new DatabaseServer(source, url, username, password);
			}
			case LOCAL -> new DatabaseServer(source, LOCAL_URL, username, password);
			case EMBEDDED -> {
				EmbeddedPostgres postgres = startEmbedded();
				yield new DatabaseServer(source, "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
						"postgres", "");
			}
		};
	}

	/**
	 * Throwaway data (the library's fast settings: no fsync), removed when the JVM exits.
	 */
	private static EmbeddedPostgres startEmbedded() {
		try {
			Path data = Files.createTempDirectory("budget-ledger-test-postgres-");
			return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(true).start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start an embedded PostgreSQL for the tests", ex);
		}
	}

	private static boolean localReachable() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("localhost", 5432), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
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

	private static @Nullable String setting() {
		String property = System.getProperty("budget-ledger.test-database");
		return (property != null && !property.isBlank()) ? property : env(CHOICE_VARIABLE);
	}

	private static @Nullable String env(String name) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : null;
	}

	private static String envOr(String name, String fallback) {
		String value = env(name);
		return (value != null) ? value : fallback;
	}

	/**
	 * Asked only when needed: probing for a Docker engine that is not there takes a
	 * moment.
	 */
	private static final class Docker {

		static boolean available() {
			try {
				return DockerClientFactory.instance().isDockerAvailable();
			}
			catch (RuntimeException ex) {
				return false;
			}
		}

	}

}
