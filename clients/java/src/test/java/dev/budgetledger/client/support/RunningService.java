package dev.budgetledger.client.support;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.budgetledger.client.BudgetLedgerClient;
import dev.budgetledger.client.CreateBudgetRequest;

/**
 * The real service for the client's tests: the jar the root build packages ({@code target/budget-ledger-*.jar}),
 * started once per test JVM as a child process on a free port. Its database, as for the root's tests: a database
 * created for this run on the server at {@code BUDGET_LEDGER_TEST_DATABASE_URL} if set, else on a PostgreSQL
 * answering on {@code localhost:5432} (user and password {@code postgres}, or
 * {@code BUDGET_LEDGER_TEST_DATABASE_USERNAME} / {@code _PASSWORD}), dropped afterwards; with neither (or with
 * {@code BUDGET_LEDGER_TEST_DATABASE=embedded}) the service's own embedded PostgreSQL in a temporary directory, so
 * the build needs nothing but a JDK. Nothing of the service is faked.
 */
public final class RunningService {

	private static final Pattern LEFTOVER = Pattern.compile("budget_ledger_client_test_(\\d{13})_.*");

	private static RunningService shared;

	private final URI baseUri;

	private final String adminKey;

	private RunningService(URI baseUri, String adminKey) {
		this.baseUri = baseUri;
		this.adminKey = adminKey;
	}

	public static synchronized RunningService get() {
		if (shared == null) {
			shared = start();
		}
		return shared;
	}

	public URI baseUri() {
		return this.baseUri;
	}

	public String adminKey() {
		return this.adminKey;
	}

	public BudgetLedgerClient adminClient() {
		return BudgetLedgerClient.builder(this.baseUri, this.adminKey).build();
	}

	/** A new budget of {@code limit} USD, for one test. */
	public UUID createBudget(String limit) {
		return adminClient().createBudget(CreateBudgetRequest.of("client test", new BigDecimal(limit))).id();
	}

	/**
	 * Creates a budget from a raw JSON body (for fields the client does not build, such as {@code childTemplate} and
	 * the run caps) and answers its id.
	 */
	public UUID createBudgetFromJson(String json) {
		HttpRequest request = HttpRequest.newBuilder(this.baseUri.resolve("/v1/budgets"))
			.header("Authorization", "Bearer " + this.adminKey)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build();
		try {
			HttpResponse<String> response = HttpClient.newHttpClient()
				.send(request, HttpResponse.BodyHandlers.ofString());
			Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"").matcher(response.body());
			if (response.statusCode() != 201 || !id.find()) {
				throw new IllegalStateException("Cannot create " + json + ": " + response.statusCode() + " "
						+ response.body());
			}
			return UUID.fromString(id.group(1));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static RunningService start() {
		Path jar = jar();
		String serverUrl = env("BUDGET_LEDGER_TEST_DATABASE_URL", "jdbc:postgresql://localhost:5432/postgres");
		String username = env("BUDGET_LEDGER_TEST_DATABASE_USERNAME", "postgres");
		String password = env("BUDGET_LEDGER_TEST_DATABASE_PASSWORD", "postgres");
		boolean embedded = "embedded".equalsIgnoreCase(env("BUDGET_LEDGER_TEST_DATABASE", "").trim())
				|| (System.getenv("BUDGET_LEDGER_TEST_DATABASE_URL") == null && !localServerAnswers());
		String database = "budget_ledger_client_test_" + System.currentTimeMillis() + "_"
				+ Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
		String adminKey = "bl_live_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
		int port = freePort();
		try {
			Path log = Files.createTempFile("budget-ledger-service-", ".log");
			List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
				.toString(), "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "--server.port=" + port,
					"--server.address=127.0.0.1"));
			Path dataDirectory = Files.createTempDirectory("budget-ledger-client-test-postgres-");
			if (embedded) {
				// No datasource: the service starts its embedded PostgreSQL, here in a directory of this run.
				command.add("--budget-ledger.embedded-database.data-directory=" + dataDirectory);
			}
			else {
				dropLeftovers(serverUrl, username, password);
				execute(serverUrl, username, password, "CREATE DATABASE " + database);
				command.addAll(List.of("--spring.datasource.url=" + withDatabase(serverUrl, database),
						"--spring.datasource.username=" + username, "--spring.datasource.password=" + password));
			}
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
			builder.environment().put("BUDGET_LEDGER_ADMIN_KEY", adminKey);
			Process process = builder.start();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				process.destroy();
				try {
					if (!process.waitFor(20, TimeUnit.SECONDS)) {
						process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				if (embedded) {
					deleteRecursively(dataDirectory);
				}
				else {
					execute(serverUrl, username, password, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
				}
			}));
			URI baseUri = URI.create("http://127.0.0.1:" + port);
			awaitHealthy(process, baseUri, log);
			return new RunningService(baseUri, adminKey);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start the service from " + jar, ex);
		}
	}

	private static Path jar() {
		Path directory = Path.of(System.getProperty("budget-ledger.service-dir", "../../target"));
		try (Stream<Path> files = Files.list(directory)) {
			return files.filter(path -> path.getFileName().toString().matches("budget-ledger-.*\\.jar"))
				.filter(path -> !path.getFileName().toString().endsWith("-plain.jar"))
				.findFirst()
				.orElseThrow(() -> missingJar(directory));
		}
		catch (IOException ex) {
			throw missingJar(directory);
		}
	}

	private static IllegalStateException missingJar(Path directory) {
		return new IllegalStateException("No service jar budget-ledger-*.jar in " + directory.toAbsolutePath()
				+ ": the client's tests run against the real service. Build it first with ./mvnw package at the"
				+ " repository root (./mvnw verify there builds it and then runs this build).");
	}

	private static void awaitHealthy(Process process, URI baseUri, Path log) {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				throw new IllegalStateException("The service exited with " + process.exitValue() + "; its log: "
						+ tail(log));
			}
			try {
				HttpResponse<Void> health = http.send(
						HttpRequest.newBuilder(baseUri.resolve("/actuator/health")).timeout(Duration.ofSeconds(2)).build(),
						HttpResponse.BodyHandlers.discarding());
				if (health.statusCode() == 200) {
					return;
				}
			}
			catch (IOException notYet) {
				// not listening yet
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			sleep(200);
		}
		throw new IllegalStateException("The service did not become healthy in 120 s; its log: " + tail(log));
	}

	private static String tail(Path log) {
		try {
			List<String> lines = Files.readAllLines(log);
			return log + "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
		}
		catch (IOException ex) {
			return log.toString();
		}
	}

	/** Swaps the database name in {@code jdbc:postgresql://host:port/db?params}. */
	private static String withDatabase(String serverUrl, String database) {
		int paramsAt = serverUrl.indexOf('?');
		String base = (paramsAt < 0) ? serverUrl : serverUrl.substring(0, paramsAt);
		String params = (paramsAt < 0) ? "" : serverUrl.substring(paramsAt);
		int slash = base.indexOf('/', "jdbc:postgresql://".length());
		return ((slash < 0) ? base : base.substring(0, slash)) + "/" + database + params;
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

	/** Databases of runs killed before their shutdown hook ran, once they are an hour old (no run takes that long). */
	private static void dropLeftovers(String url, String username, String password) {
		List<String> leftovers = new ArrayList<>();
		long cutoff = System.currentTimeMillis() - TimeUnit.HOURS.toMillis(1);
		try (Connection connection = DriverManager.getConnection(url, username, password);
				Statement statement = connection.createStatement();
				ResultSet names = statement.executeQuery(
						"SELECT datname FROM pg_database WHERE datname LIKE 'budget\\_ledger\\_client\\_test\\_%'")) {
			while (names.next()) {
				Matcher matcher = LEFTOVER.matcher(names.getString(1));
				if (matcher.matches() && Long.parseLong(matcher.group(1)) < cutoff) {
					leftovers.add(names.getString(1));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot list the test databases on " + url, ex);
		}
		leftovers.forEach(name -> execute(url, username, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
	}

	private static boolean localServerAnswers() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("localhost", 5432), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static void deleteRecursively(Path directory) {
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
		}
		catch (IOException ex) {
			System.err.println("Could not delete " + directory + ": " + ex.getMessage());
		}
	}

	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] randomBytes(int count) {
		byte[] bytes = new byte[count];
		new SecureRandom().nextBytes(bytes);
		return bytes;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

}
