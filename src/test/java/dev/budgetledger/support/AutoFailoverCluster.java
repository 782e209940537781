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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A pg_auto_failover formation on this machine's loopback, from Debian's packages
 * ({@code pg-auto-failover-cli}, {@code postgresql-<version>-auto-failover}): a monitor,
 * and two PostgreSQL nodes, {@code node1} the primary and {@code node2} its synchronous
 * standby ({@code synchronous_standby_names = 'ANY 1 (...)'}, the default of a formation
 * with one standby in the replication quorum). Each is a {@code pg_autoctl ... --run}
 * child process that supervises its PostgreSQL; the monitor decides failovers. Its health
 * checks are shortened (1 s checks, unhealthy after 3 s, demote timeout 5 s) so a
 * failover takes seconds, not the production default of about a minute.
 * <p>
 * {@link #kill} ends a node at once (SIGKILL to its keeper and its PostgreSQL, as a crash
 * of the machine would); {@link #close} ends everything and removes the directory. As
 * root, every program runs as the {@code postgres} user ({@code runuser}).
 */
public final class AutoFailoverCluster implements AutoCloseable {

	private static final Duration STEP = Duration.ofMillis(200);

	private final Path bin;

	private final Path pgAutoctl;

	private final Path directory;

	private final int monitorPort;

	private final Map<String, Integer> ports = new LinkedHashMap<>();

	private final Map<String, Process> running = new LinkedHashMap<>();

	private final Thread onExit = new Thread(this::stopQuietly, "auto-failover-stop");

	private AutoFailoverCluster(Path bin, Path pgAutoctl, Path directory) throws IOException {
		this.bin = bin;
		this.pgAutoctl = pgAutoctl;
		this.directory = directory;
		this.monitorPort = PgBouncer.freePort();
		this.ports.put("node1", PgBouncer.freePort());
		this.ports.put("node2", PgBouncer.freePort());
	}

	/**
	 * Makes and starts the monitor and both nodes; fails with the reason when the
	 * packages are missing.
	 */
	public static AutoFailoverCluster start() {
		Path bin = StreamingPair.serverBinaries()
			.orElseThrow(() -> new IllegalStateException(
					"No PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"));
		String version = bin.getParent().getFileName().toString();
		Path pgAutoctl = Stream.of(Path.of("/usr/bin/pg_autoctl"), bin.resolve("pg_autoctl"))
			.filter(Files::isExecutable)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("pg_auto_failover is not installed (no pg_autoctl): this "
					+ "test needs it. On Debian or Ubuntu: apt-get install pg-auto-failover-cli postgresql-" + version
					+ "-auto-failover (.ci/run does that when it is missing)"));
		AutoFailoverCluster cluster;
		try {
			Path directory = Files.createTempDirectory("budget-ledger-failover");
			for (String sub : List.of("config", "data", "run")) {
				Files.createDirectories(directory.resolve(sub));
			}
			if (StreamingPair.root()) {
				UserPrincipal postgres = directory.getFileSystem()
					.getUserPrincipalLookupService()
					.lookupPrincipalByName("postgres");
				try (Stream<Path> paths = Files.walk(directory)) {
					for (Path path : paths.toList()) {
						Files.setOwner(path, postgres);
					}
				}
			}
			cluster = new AutoFailoverCluster(bin, pgAutoctl, directory);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Runtime.getRuntime().addShutdownHook(cluster.onExit);
		try {
			cluster.makeAndStart();
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	private void makeAndStart() {
		launch("monitor", "create", "monitor", "--pgdata", pgdata("monitor"), "--pgport",
				Integer.toString(this.monitorPort), "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--run");
		await(Duration.ofSeconds(90), "the monitor to accept connections", () -> {
			try (Connection monitor = monitor()) {
				return true;
			}
			catch (SQLException notYet) {
				return false;
			}
		});
		try (Connection monitor = DriverManager
			.getConnection("jdbc:postgresql://127.0.0.1:" + this.monitorPort + "/pg_auto_failover", "postgres", "");
				Statement statement = monitor.createStatement()) {
			for (String setting : List.of("health_check_period = 1000", "health_check_timeout = 1000",
					"health_check_max_retries = 1", "health_check_retry_delay = 500",
					"node_considered_unhealthy_timeout = 3000", "primary_demote_timeout = 5000")) {
				statement.execute("ALTER SYSTEM SET pgautofailover." + setting);
			}
			statement.execute("SELECT pg_reload_conf()");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not tune the monitor: " + ex.getMessage() + logs(), ex);
		}
		createNode("node1");
		awaitStates(Duration.ofSeconds(90), Map.of("node1", "single"));
		createNode("node2");
		awaitStates(Duration.ofSeconds(120), Map.of("node1", "primary", "node2", "secondary"));
	}

	private void createNode(String name) {
		launch(name, "create", "postgres", "--pgdata", pgdata(name), "--pgport", Integer.toString(this.ports.get(name)),
				"--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--name", name, "--monitor",
				"postgres://autoctl_node@127.0.0.1:" + this.monitorPort + "/pg_auto_failover?sslmode=disable", "--run");
	}

	/** The URL the service is given: both nodes, whichever is the primary now. */
	public String jdbcUrl() {
		return "jdbc:postgresql://127.0.0.1:" + this.ports.get("node1") + ",127.0.0.1:" + this.ports.get("node2")
				+ "/postgres?targetServerType=primary&hostRecheckSeconds=1";
	}

	/** The node that is primary now, by the monitor. */
	public String primary() {
		return states().entrySet()
			.stream()
			.filter(state -> state.getValue().equals("primary/primary")
					|| state.getValue().equals("wait_primary/wait_primary") || state.getValue().equals("single/single"))
			.map(Map.Entry::getKey)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No primary: " + states()));
	}

	/** Node name to "reported state/goal state", by the monitor. */
	public Map<String, String> states() {
		Map<String, String> states = new TreeMap<>();
		try (Connection monitor = monitor();
				Statement statement = monitor.createStatement();
				ResultSet rows = statement.executeQuery(
						"SELECT nodename, reportedstate, goalstate FROM pgautofailover.node ORDER BY nodename")) {
			while (rows.next()) {
				states.put(rows.getString(1), rows.getString(2) + "/" + rows.getString(3));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("The monitor: " + ex.getMessage(), ex);
		}
		return states;
	}

	/** Waits until each named node's reported and goal states are both the given one. */
	public void awaitStates(Duration timeout, Map<String, String> wanted) {
		await(timeout, "states " + wanted, () -> {
			try {
				Map<String, String> states = states();
				return wanted.entrySet()
					.stream()
					.allMatch(want -> (want.getValue() + "/" + want.getValue()).equals(states.get(want.getKey())));
			}
			catch (IllegalStateException notYet) {
				return false;
			}
		});
	}

	/**
	 * Ends a node at once: SIGKILL to its keeper and every process under it, PostgreSQL
	 * included.
	 */
	public void kill(String node) {
		Process process = this.running.remove(node);
		if (process != null) {
			killTree(process.toHandle());
		}
	}

	/**
	 * Starts a node that was killed again; it rejoins the formation (as a standby, after
	 * pg_rewind if needed).
	 */
	public void restart(String node) {
		launch(node, "run", "--pgdata", pgdata(node));
	}

	/**
	 * A planned switchover: the standby becomes primary, the primary its standby. Returns
	 * once it is done.
	 */
	public void switchover() {
		List<String> command = command("perform", "switchover", "--pgdata", pgdata("monitor"), "--formation",
				"default");
		try {
			Process process = new ProcessBuilder(command).directory(this.directory.toFile())
				.redirectErrorStream(true)
				.start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
				process.destroyForcibly();
				throw new IllegalStateException("pg_autoctl perform switchover failed:\n" + output);
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
		for (String name : List.copyOf(this.running.keySet())) {
			kill(name);
		}
		// Anything of ours that outlived its keeper (none should): found by our unique
		// directory, ended by pid.
		String mine = this.directory.toString();
		ProcessHandle.allProcesses()
			.filter(process -> process.info().commandLine().map(line -> line.contains(mine)).orElse(false))
			.forEach(ProcessHandle::destroyForcibly);
		if (Files.exists(this.directory)) {
			try (Stream<Path> files = Files.walk(this.directory)) {
				files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
			}
			catch (IOException | UncheckedIOException ex) {
				System.err.println("Could not remove " + this.directory + ": " + ex);
			}
		}
	}

	private static void killTree(ProcessHandle root) {
		List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
		tree.add(0, root);
		tree.forEach(ProcessHandle::destroyForcibly);
		for (ProcessHandle process : tree) {
			try {
				process.onExit().get(10, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				// gone or not ours to wait for
			}
		}
	}

	private void launch(String name, String... arguments) {
		try {
			Process process = new ProcessBuilder(command(arguments)).directory(this.directory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve(name + ".log").toFile()))
				.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
				.start();
			this.running.put(name, process);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private List<String> command(String... arguments) {
		List<String> command = new ArrayList<>();
		if (StreamingPair.root()) {
			command.addAll(List.of("runuser", "-u", "postgres", "--"));
		}
		command.addAll(List.of("env", "PATH=" + this.bin + ":/usr/bin:/bin",
				"PG_CONFIG=" + this.bin.resolve("pg_config"), "XDG_CONFIG_HOME=" + this.directory.resolve("config"),
				"XDG_DATA_HOME=" + this.directory.resolve("data"), "XDG_RUNTIME_DIR=" + this.directory.resolve("run"),
				"HOME=" + this.directory));
		command.add(this.pgAutoctl.toString());
		command.addAll(List.of(arguments));
		return command;
	}

	private String pgdata(String name) {
		return this.directory.resolve(name).toString();
	}

	private Connection monitor() throws SQLException {
		return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + this.monitorPort + "/pg_auto_failover",
				"autoctl_node", "");
	}

	private void await(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (condition.getAsBoolean()) {
				return;
			}
			try {
				Thread.sleep(STEP.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		throw new IllegalStateException("pg_auto_failover: no " + what + " within " + timeout.toSeconds() + "s; "
				+ "states " + safeStates() + logs());
	}

	private String safeStates() {
		try {
			return states().toString();
		}
		catch (IllegalStateException ex) {
			return "(monitor unreachable)";
		}
	}

	/** The last lines of every log, for a failure message. */
	public String logs() {
		StringBuilder logs = new StringBuilder();
		try (Stream<Path> files = Files.list(this.directory)) {
			for (Path log : files.filter(path -> path.toString().endsWith(".log")).sorted().toList()) {
				List<String> lines = Files.readAllLines(log);
				logs.append("\n--- ").append(log.getFileName()).append('\n');
				lines.subList(Math.max(0, lines.size() - 15), lines.size())
					.forEach(line -> logs.append(line).append('\n'));
			}
		}
		catch (IOException | UncheckedIOException ex) {
			logs.append("\n(logs unreadable: ").append(ex).append(')');
		}
		return logs.toString();
	}

}
