package dev.budgetledger.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A primary and a streaming hot standby of it, made by this test on this machine's
 * loopback with the PostgreSQL server binaries of the operating system (Debian's
 * {@code /usr/lib/postgresql/<version>/bin}): {@code initdb} a primary,
 * {@code pg_basebackup -R} a standby from it, both started with {@code pg_ctl} on free
 * ports, each with its data, socket and log in one temporary directory. As root, every
 * command runs as the {@code postgres} user ({@code runuser}), since PostgreSQL refuses
 * to run as root.
 * <p>
 * Why a primary of its own rather than a standby of the test server on 127.0.0.1:5432: a
 * base backup of that server needs a {@code replication} entry in its {@code pg_hba.conf}
 * (a development install often has none) and copies every database on it, other sessions'
 * included; a primary of its own needs neither and is gone with the test. {@link #close}
 * stops both ({@code -m immediate}) and removes the directory; a JVM exit does too.
 */
public final class StreamingPair implements AutoCloseable {

	private final Path bin;

	private final Path directory;

	private final int primaryPort;

	private final int standbyPort;

	private final List<Path> started = new ArrayList<>();

	private final Thread onExit = new Thread(this::stopQuietly, "streaming-pair-stop");

	private StreamingPair(Path bin, Path directory, int primaryPort, int standbyPort) {
		this.bin = bin;
		this.directory = directory;
		this.primaryPort = primaryPort;
		this.standbyPort = standbyPort;
	}

	/**
	 * Makes and starts the primary and its standby; fails with the reason if PostgreSQL's
	 * binaries are missing.
	 */
	public static StreamingPair start() {
		Path bin = serverBinaries().orElseThrow(() -> new IllegalStateException(
				"No PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql/*/bin: "
						+ "this test makes a primary and a streaming standby with them. On Debian or Ubuntu: "
						+ "apt-get install postgresql (.ci/run does that when PostgreSQL is missing)"));
		StreamingPair pair;
		try {
			Path directory = Files.createTempDirectory("budget-ledger-replica");
			pair = new StreamingPair(bin, directory, PgBouncer.freePort(), PgBouncer.freePort());
			if (root()) {
				UserPrincipal postgres = directory.getFileSystem()
					.getUserPrincipalLookupService()
					.lookupPrincipalByName("postgres");
				Files.setOwner(directory, postgres);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Runtime.getRuntime().addShutdownHook(pair.onExit);
		try {
			pair.makeAndStart();
			return pair;
		}
		catch (RuntimeException ex) {
			pair.close();
			throw ex;
		}
	}

	private void makeAndStart() {
		Path primary = this.directory.resolve("primary");
		Path standby = this.directory.resolve("standby");
		run("initdb", "-D", primary.toString(), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
				"--locale=C");
		startServer(primary, this.primaryPort);
		run("pg_basebackup", "-h", "127.0.0.1", "-p", Integer.toString(this.primaryPort), "-U", "postgres", "-D",
				standby.toString(), "-R", "-X", "stream", "-c", "fast", "--no-sync");
		startServer(standby, this.standbyPort);
	}

	private void startServer(Path data, int port) {
		// Throwaway servers: no fsync; a socket in our own directory; small, since the
		// machine is shared.
		String options = "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + this.directory
				+ " -c fsync=off -c max_connections=40 -c shared_buffers=32MB -c hot_standby=on"
				+ " -c wal_receiver_status_interval=1s";
		run("pg_ctl", "-D", data.toString(), "-o", options, "-l", data + ".log", "-w", "-t", "60", "start");
		this.started.add(data);
	}

	public String primaryUrl() {
		return "jdbc:postgresql://127.0.0.1:" + this.primaryPort + "/postgres";
	}

	public String standbyUrl() {
		return "jdbc:postgresql://127.0.0.1:" + this.standbyPort + "/postgres";
	}

	public Connection primary() throws SQLException {
		return DriverManager.getConnection(primaryUrl(), "postgres", "");
	}

	public Connection standby() throws SQLException {
		return DriverManager.getConnection(standbyUrl(), "postgres", "");
	}

	/** Waits until the standby has replayed everything the primary has written so far. */
	public void awaitCaughtUp() throws SQLException {
		String lsn;
		try (Connection primary = primary();
				Statement statement = primary.createStatement();
				ResultSet rows = statement.executeQuery("SELECT pg_current_wal_lsn()")) {
			rows.next();
			lsn = rows.getString(1);
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		try (Connection standby = standby(); Statement statement = standby.createStatement()) {
			while (System.nanoTime() < deadline) {
				try (ResultSet rows = statement
					.executeQuery("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")) {
					rows.next();
					if (rows.getBoolean(1)) {
						return;
					}
				}
				try {
					Thread.sleep(20);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		throw new IllegalStateException("The standby did not replay up to " + lsn + " within 30s");
	}

	/**
	 * Pauses or resumes the standby's replay of the WAL it receives (it keeps receiving).
	 */
	public void replay(boolean on) throws SQLException {
		try (Connection standby = standby(); Statement statement = standby.createStatement()) {
			statement.execute(on ? "SELECT pg_wal_replay_resume()" : "SELECT pg_wal_replay_pause()");
		}
	}

	/** Stops the standby at once, as a crash would. */
	public void stopStandby() {
		Path standby = this.directory.resolve("standby");
		run("pg_ctl", "-D", standby.toString(), "-m", "immediate", "-w", "stop");
		this.started.remove(standby);
	}

	@Override
	public void close() {
		stopQuietly();
		try {
			Runtime.getRuntime().removeShutdownHook(this.onExit);
		}
		catch (IllegalStateException exiting) {
			// already running the hooks
		}
	}

	private synchronized void stopQuietly() {
		for (Path data : List.copyOf(this.started)) {
			try {
				run("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
			}
			catch (RuntimeException ex) {
				System.err.println("Could not stop the PostgreSQL in " + data + ": " + ex.getMessage());
			}
			this.started.remove(data);
		}
		if (Files.exists(this.directory)) {
			try (Stream<Path> files = Files.walk(this.directory)) {
				files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
			}
			catch (IOException ex) {
				System.err.println("Could not remove " + this.directory + ": " + ex);
			}
		}
	}

	/**
	 * Runs one of the PostgreSQL programs (as postgres when we are root) and fails with
	 * its output if it fails.
	 */
	private void run(String program, String... arguments) {
		List<String> command = new ArrayList<>();
		if (root()) {
			command.addAll(List.of("runuser", "-u", "postgres", "--"));
		}
		command.add(this.bin.resolve(program).toString());
		command.addAll(List.of(arguments));
		try {
			Process process = new ProcessBuilder(command).directory(this.directory.toFile())
				.redirectErrorStream(true)
				.start();
			// pg_ctl's server keeps no handle on our pipe (its output goes to -l), so
			// this ends with the command.
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(120, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(String.join(" ", command) + " did not finish within 120s");
			}
			if (process.exitValue() != 0) {
				throw new IllegalStateException(
						String.join(" ", command) + " failed (" + process.exitValue() + "):\n" + output + logs());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private String logs() {
		StringBuilder logs = new StringBuilder();
		for (String name : List.of("primary.log", "standby.log")) {
			Path log = this.directory.resolve(name);
			try {
				if (Files.exists(log)) {
					logs.append("\n--- ").append(name).append('\n').append(Files.readString(log));
				}
			}
			catch (IOException ex) {
				logs.append("\n(").append(name).append(" unreadable: ").append(ex).append(')');
			}
		}
		return logs.toString();
	}

	static boolean root() {
		return "root".equals(System.getProperty("user.name"));
	}

	/** The newest PostgreSQL version's server binaries. */
	static Optional<Path> serverBinaries() {
		Path versions = Path.of("/usr/lib/postgresql");
		if (!Files.isDirectory(versions)) {
			return Optional.empty();
		}
		try (Stream<Path> dirs = Files.list(versions)) {
			return dirs.map(dir -> dir.resolve("bin"))
				.filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"))
						&& Files.isExecutable(bin.resolve("pg_basebackup")))
				.max(Comparator.comparingInt(bin -> version(bin.getParent().getFileName().toString())));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static int version(String name) {
		try {
			return Integer.parseInt(name);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

}
