package dev.budgetledger.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * A PgBouncer of this test's own, from the operating system's package
 * ({@code apt-get install pgbouncer}; {@code .ci/run} installs it), on a free loopback
 * port, in transaction pool mode, in front of one database: the configuration
 * docs/scaling.md recommends, with {@code default_pool_size} server connections shared by
 * all clients. Run as a child process (never as a daemon) so that {@link #close} ends it,
 * and with it every server connection it holds. PgBouncer refuses to run as root; as root
 * it is started with {@code -u postgres}.
 * <p>
 * Not installed is a failure with the reason, never a skip: a test of the pooler that
 * does not run proves nothing.
 */
public final class PgBouncer implements AutoCloseable {

	/** The name clients give as their database; PgBouncer maps it to the real one. */
	public static final String DATABASE = "budget_ledger";

	private final Process process;

	private final Path directory;

	private final int port;

	private final StringBuilder log = new StringBuilder();

	private PgBouncer(Process process, Path directory, int port) {
		this.process = process;
		this.directory = directory;
		this.port = port;
		Thread drain = new Thread(() -> {
			try (var lines = process.inputReader().lines()) {
				lines.forEach(line -> {
					synchronized (this.log) {
						this.log.append(line).append('\n');
					}
				});
			}
			catch (UncheckedIOException ended) {
				// the process is gone
			}
		}, "pgbouncer-log");
		drain.setDaemon(true);
		drain.start();
	}

	/**
	 * Starts PgBouncer in front of {@code database} (a JDBC URL with host, port and
	 * database name) with {@code poolSize} server connections.
	 */
	public static PgBouncer start(String database, String username, String password, int poolSize) {
		Path binary = binary().orElseThrow(() -> new IllegalStateException(
				"PgBouncer is not installed (no pgbouncer on the PATH, in /usr/sbin or /usr/bin): this test needs it. "
						+ "On Debian or Ubuntu: apt-get install pgbouncer (.ci/run does that when it is missing)"));
		URI server = URI.create(database.substring("jdbc:".length()));
		String dbname = server.getPath().substring(1);
		try {
			Path directory = Files.createTempDirectory("budget-ledger-pgbouncer");
			// Readable by the postgres user, whom PgBouncer becomes when started as root.
			Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
			int port = freePort();
			Path users = directory.resolve("userlist.txt");
			Files.writeString(users, quoted(username) + " " + quoted(password) + "\n");
			Map<String, String> settings = new LinkedHashMap<>();
			settings.put("listen_addr", "127.0.0.1");
			settings.put("listen_port", Integer.toString(port));
			settings.put("unix_socket_dir", "");
			settings.put("auth_type", "trust");
			settings.put("auth_file", users.toString());
			settings.put("pool_mode", "transaction");
			settings.put("default_pool_size", Integer.toString(poolSize));
			settings.put("max_client_conn", "500");
			// pgjdbc sends both in its start-up packet; PgBouncer 1.18 rejects parameters
			// it does not track.
			settings.put("ignore_startup_parameters", "extra_float_digits,options");
			settings.put("server_reset_query", "");
			StringBuilder ini = new StringBuilder("[databases]\n");
			ini.append(DATABASE)
				.append(" = host=")
				.append(server.getHost())
				.append(" port=")
				.append((server.getPort() > 0) ? server.getPort() : 5432)
				.append(" dbname=")
				.append(dbname)
				.append(" user=")
				.append(username)
				.append(" password=")
				.append(password)
				.append("\n[pgbouncer]\n");
			settings.forEach((key, value) -> ini.append(key).append(" = ").append(value).append('\n'));
			Path config = directory.resolve("pgbouncer.ini");
			Files.writeString(config, ini);
			for (Path file : List.of(users, config)) {
				Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
			}
			List<String> command = new ArrayList<>(List.of(binary.toString()));
			if ("root".equals(System.getProperty("user.name"))) {
				command.addAll(List.of("-u", "postgres"));
			}
			command.add(config.toString());
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			PgBouncer bouncer = new PgBouncer(process, directory, port);
			bouncer.awaitListening();
			return bouncer;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The JDBC URL of the database through this PgBouncer, as the service should be given
	 * it.
	 */
	public String url() {
		// PgBouncer before 1.21 keeps no prepared statements across transactions: pgjdbc
		// must not name any.
		return "jdbc:postgresql://127.0.0.1:" + this.port + "/" + DATABASE + "?prepareThreshold=0";
	}

	public int port() {
		return this.port;
	}

	public String log() {
		synchronized (this.log) {
			return this.log.toString();
		}
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			this.process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).map(Path::toFile).forEach(File::delete);
		}
		catch (IOException ex) {
			System.err.println("Could not remove " + this.directory + ": " + ex);
		}
	}

	private void awaitListening() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				close();
				throw new IllegalStateException("PgBouncer exited with " + this.process.exitValue() + ":\n" + log());
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				return;
			}
			catch (IOException notYet) {
				try {
					Thread.sleep(50);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		close();
		throw new IllegalStateException("PgBouncer did not listen on port " + this.port + " within 15s:\n" + log());
	}

	private static Optional<Path> binary() {
		List<Path> candidates = new ArrayList<>();
		String path = System.getenv("PATH");
		if (path != null) {
			for (String dir : path.split(File.pathSeparator)) {
				candidates.add(Path.of(dir, "pgbouncer"));
			}
		}
		candidates.add(Path.of("/usr/sbin/pgbouncer"));
		candidates.add(Path.of("/usr/bin/pgbouncer"));
		return candidates.stream().filter(Files::isExecutable).findFirst();
	}

	private static String quoted(@Nullable String value) {
		return "\"" + ((value != null) ? value.replace("\"", "\"\"") : "") + "\"";
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
