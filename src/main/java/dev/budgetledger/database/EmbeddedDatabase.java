package dev.budgetledger.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run by the service itself (binaries from Maven Central,
 * unpacked to the temp directory), its data in a directory that survives restarts. For
 * trying the service and for a single small node; production runs on a PostgreSQL of its
 * own (docs/operations.md).
 */
final class EmbeddedDatabase implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

	static final String USERNAME = "postgres";

	private final EmbeddedPostgres postgres;

	private final Path dataDirectory;

	private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory) {
		this.postgres = postgres;
		this.dataDirectory = dataDirectory;
	}

	static EmbeddedDatabase start(EmbeddedDatabaseSettings settings) {
		Path dataDirectory = settings.dataDirectory().toAbsolutePath().normalize();
		long started = System.nanoTime();
		try {
			Files.createDirectories(dataDirectory);
			EmbeddedPostgres postgres = EmbeddedPostgres.builder()
				.setDataDirectory(dataDirectory)
				.setCleanDataDirectory(false)
				.setPort(settings.port())
				// The library tunes for throwaway test databases (fsync and
				// synchronous_commit off); this one keeps
				// a ledger, so a crash of the machine must not lose committed entries.
				.setServerConfig("fsync", "on")
				.setServerConfig("synchronous_commit", "on")
				.setPGStartupWait(Duration.ofSeconds(60))
				.start();
			EmbeddedDatabase database = new EmbeddedDatabase(postgres, dataDirectory);
			log.info("No datasource configured (spring.datasource.url): using an embedded PostgreSQL on localhost:{}, "
					+ "data in {} (started in {} ms). Connect with: psql -h localhost -p {} -U {} postgres "
					+ "(tables in schema budget_ledger). Fine for trying the service and for one small node; "
					+ "production runs on a PostgreSQL of its own: set SPRING_DATASOURCE_URL (docs/operations.md).",
					postgres.getPort(), dataDirectory, Duration.ofNanos(System.nanoTime() - started).toMillis(),
					postgres.getPort(), USERNAME);
			return database;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the embedded PostgreSQL with its data in " + dataDirectory
					+ " (is another instance using it?); or set SPRING_DATASOURCE_URL to use a PostgreSQL server", ex);
		}
	}

	String jdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.postgres.getPort() + "/postgres";
	}

	Path dataDirectory() {
		return this.dataDirectory;
	}

	@Override
	public void close() throws IOException {
		this.postgres.close();
	}

}
