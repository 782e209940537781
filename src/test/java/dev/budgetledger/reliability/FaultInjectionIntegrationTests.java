package dev.budgetledger.reliability;

import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.journal.Reconciliation;
import dev.budgetledger.support.IntegrationTest;
import dev.budgetledger.support.TcpProxy;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded, Jepsen-style workload: concurrent clients reserve, settle, release, extend
 * and abandon holds over a budget tree on three instances, retrying with the same
 * Idempotency-Key after every error or timeout, while faults are injected: backend
 * connections killed with {@code pg_terminate_backend}, the root budget's row held locked
 * past the lock timeout, one instance's database cut off for seconds behind a proxy, and
 * another instance (a child JVM) killed outright. Afterwards the reconciliation finds
 * nothing wrong and every acknowledged request is in the journal exactly once.
 * <p>
 * Replay a run with {@code -Dfaults.seed=<seed>} (or {@code FAULTS_SEED}); the seed is
 * printed at the start and is in every assertion message. The clients' choices follow
 * from the seed; thread timing does not, so a replay runs the same operations and faults,
 * interleaved as the scheduler pleases.
 */
class FaultInjectionIntegrationTests extends IntegrationTest {

	private static final long SEED = seed();

	private static final int CLIENTS = 8;

	private static final Duration WORKLOAD = Duration.ofSeconds(16);

	private static final int MAX_ATTEMPTS = 10;

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

	@Autowired
	DataSource dataSource;

	@LocalServerPort
	int port;

	private final Stats stats = new Stats();

	private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();

	private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();

	@Test
	void concurrentRetryingClientsUnderInjectedFaultsLeaveEveryInvariantIntact() throws Exception {
		String replay = "seed " + SEED + " (replay with -Dfaults.seed=" + SEED + ")";
		System.out.println("[faults] seed " + SEED);
		HikariDataSource pool = this.dataSource.unwrap(HikariDataSource.class);
		URI database = URI.create(pool.getJdbcUrl().substring(5));
		Random plan = new Random(SEED);
		long started = System.nanoTime();

		int childPort = freePort();
		File childLog = new File("target/faults-child-" + SEED + ".log");
		Process child = startChild(pool, childPort, childLog);
		try (TcpProxy proxy = new TcpProxy(database.getHost(), database.getPort());
				ConfigurableApplicationContext second = SecondInstance
					.start(this.clock, instanceArgs("budget-ledger-b", "--server.port=0",
							"--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath()
									+ ((database.getQuery() != null) ? "?" + database.getQuery() : ""),
							"--spring.datasource.username=" + pool.getUsername(),
							"--spring.datasource.password=" + pool.getPassword(),
							"--budget-ledger.reservations.sweep-interval=500ms"))) {
			UUID root = createBudget(Map.of("name", "faults root", "limit", "25", "mode", "HARD"));
			List<UUID> leaves = new ArrayList<>();
			for (int c = 0; c < 3; c++) {
				UUID team = createBudget(Map.of("name", "team " + c, "limit", "20", "parentId", root));
				leaves.add(createBudget(Map.of("name", "hard leaf " + c, "limit", "12", "parentId", team)));
				leaves.add(
						createBudget(Map.of("name", "soft leaf " + c, "limit", "6", "mode", "SOFT", "parentId", team)));
			}
			awaitHealthy(childPort, child, childLog);
			System.out.printf("[faults] seed %d: three instances up after %d ms%n", SEED, elapsed(started));
			List<String> instances = List.of(base(this.port),
					base(((WebServerApplicationContext) second).getWebServer().getPort()), base(childPort));

			AtomicBoolean running = new AtomicBoolean(true);
			List<Thread> clients = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				Client client = new Client(i, new Random(SEED * 31 + i), instances, leaves, running);
				Thread thread = new Thread(client, "faults-client-" + i);
				clients.add(thread);
				thread.start();
			}
			injectFaults(plan, pool, root, leaves, instances, proxy, child, running);
			for (Thread thread : clients) {
				thread.join(TimeUnit.SECONDS.toMillis(45));
				assertThat(thread.isAlive()).as("%s: client %s still running", replay, thread.getName()).isFalse();
			}
		}
		finally {
			child.destroyForcibly();
		}

		// Every hold left behind (abandoned, or created by a request whose answer never
		// came) expires.
		this.clock.advance(Duration.ofMinutes(10));
		expireAllDue();

		Reconciliation.Report report = this.reconciliation.run();
		List<String> violations = new ArrayList<>();
		report.discrepancies().forEach(d -> violations.add(d.toString()));
		verifyAcknowledged(violations);
		System.out.printf("[faults] seed %d: %d operations, %d answered 2xx, %d retries, faults injected: %s; "
				+ "%d lock timeouts, %d unknown outcomes; %d overruns and %d late settlements on the way; checked %s; "
				+ "violations: %d (%d ms in all)%n", SEED, this.stats.operations.sum(), this.stats.acknowledged.sum(),
				this.stats.retries.sum(), this.stats.faults, this.stats.lockTimeouts.sum(),
				this.stats.unknownOutcomes.sum(), count("SETTLE", "r.charged > r.amount"), count("SETTLE", "r.late"),
				report.checked(), violations.size(), elapsed(started));
		assertThat(this.unexpected).as("%s: answers no client should get", replay).isEmpty();
		assertThat(violations).as("%s: violations", replay).isEmpty();
		assertThat(this.stats.acknowledged.sum()).as("%s: acknowledged operations", replay).isGreaterThanOrEqualTo(20);
		assertThat(this.stats.faults.getOrDefault("connections killed", new AtomicInteger()).get())
			.as("%s: connections killed", replay)
			.isPositive();
		assertThat(this.stats.lockTimeouts.sum()).as("%s: lock timeouts seen", replay).isGreaterThanOrEqualTo(2);
	}

	/**
	 * The fault schedule, on this thread, for {@link #WORKLOAD}; offsets jittered by the
	 * seed.
	 */
	private void injectFaults(Random plan, HikariDataSource pool, UUID root, List<UUID> leaves, List<String> instances,
			TcpProxy proxy, Process child, AtomicBoolean running) throws Exception {
		long start = System.nanoTime();
		long lockAt = 3000 + plan.nextInt(1000);
		long killChildAt = 6000 + plan.nextInt(1000);
		long expireAt = 8000 + plan.nextInt(500);
		long cutAt = 9000 + plan.nextInt(1000);
		long secondLockAt = 12500 + plan.nextInt(500);
		// The admin moves the root's limit under load: up twice, then below what is
		// already used.
		List<Long> limitChangesAt = List.of(5000L + plan.nextInt(500), 10500L + plan.nextInt(500),
				14000L + plan.nextInt(500));
		List<String> limits = List.of("45", "65", "40");
		int limitChanges = 0;
		long nextKill = 800 + plan.nextInt(400);
		boolean locked = false;
		boolean childKilled = false;
		boolean expired = false;
		boolean cut = false;
		boolean restored = false;
		boolean secondLock = false;
		Thread lockHolder = null;
		try (Connection injector = connect(pool, "faults-injector")) {
			while (elapsed(start) < WORKLOAD.toMillis()) {
				long now = elapsed(start);
				if (now >= nextKill && (lockHolder == null || !lockHolder.isAlive())) {
					killConnections(injector, plan);
					nextKill = now + 700 + plan.nextInt(800);
				}
				if (!locked && now >= lockAt) {
					locked = true;
					lockHolder = holdLock(pool, root, leaves.get(0), instances.get(0), "f" + SEED + "-lock-1", 2600);
				}
				if (limitChanges < limitChangesAt.size() && now >= limitChangesAt.get(limitChanges)) {
					changeLimit(root, limits.get(limitChanges));
					limitChanges++;
				}
				if (!secondLock && now >= secondLockAt) {
					secondLock = true;
					lockHolder = holdLock(pool, root, leaves.get(1), instances.get(0), "f" + SEED + "-lock-2", 2600);
				}
				if (!childKilled && now >= killChildAt) {
					childKilled = true;
					child.destroyForcibly();
					this.stats.fault("instance killed");
				}
				if (!expired && now >= expireAt) {
					// Holds made with short TTLs run out; the second instance's sweep
					// (every 500 ms) expires them.
					expired = true;
					this.clock.advance(Duration.ofSeconds(45));
					this.stats.fault("clock jumped 45 s");
				}
				if (!cut && now >= cutAt) {
					cut = true;
					proxy.cut();
					this.stats.fault("database cut off for 3 s");
				}
				if (cut && !restored && now >= cutAt + 3000) {
					restored = true;
					proxy.restore();
				}
				Thread.sleep(50);
			}
		}
		finally {
			running.set(false);
			if (cut && !restored) {
				proxy.restore();
			}
			if (lockHolder != null) {
				lockHolder.join(5000);
			}
		}
	}

	/**
	 * An admin's PATCH of the limit, retried like any client's request until it is
	 * answered.
	 */
	private void changeLimit(UUID budget, String limit) {
		for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
			try {
				if (this.api.patch("/v1/budgets/" + budget, Map.of("limit", limit)).status() == 200) {
					this.stats.fault("root limit changed");
					return;
				}
			}
			catch (IllegalStateException ex) {
				// No answer; a PATCH of the limit to a value is idempotent, so just send
				// it again.
			}
			sleep(100);
		}
		this.unexpected.add("the root's limit could not be changed to " + limit);
	}

	/**
	 * Kills one to three of the service's backends, preferring those in the middle of a
	 * transaction.
	 */
	private void killConnections(Connection injector, Random plan) throws SQLException {
		List<Integer> busy = new ArrayList<>();
		List<Integer> idle = new ArrayList<>();
		try (Statement statement = injector.createStatement(); ResultSet rows = statement.executeQuery("""
				SELECT pid, state FROM pg_stat_activity
				WHERE datname = current_database() AND backend_type = 'client backend'
				  AND pid <> pg_backend_pid() AND application_name NOT LIKE 'faults-%'
				ORDER BY pid""")) {
			while (rows.next()) {
				(("idle".equals(rows.getString("state"))) ? idle : busy).add(rows.getInt("pid"));
			}
		}
		List<Integer> victims = busy.isEmpty() ? idle : busy;
		int n = Math.min(victims.size(), 1 + plan.nextInt(3));
		for (int i = 0; i < n; i++) {
			int pid = victims.remove(plan.nextInt(victims.size()));
			try (PreparedStatement kill = injector.prepareStatement("SELECT pg_terminate_backend(?)")) {
				kill.setInt(1, pid);
				kill.execute();
			}
			this.stats.fault("connections killed");
		}
	}

	/**
	 * Holds the root budget's row lock for longer than the service's 2 s lock timeout, on
	 * a thread of its own. Every request on the tree waits meanwhile; so does a probe
	 * reserve sent while the lock is held, which must get 503 LOCK_TIMEOUT, and its retry
	 * with the same key after the lock is gone must be decided normally.
	 */
	private Thread holdLock(HikariDataSource pool, UUID root, UUID leaf, String instance, String key, long millis) {
		Thread holder = new Thread(() -> {
			Map<String, Object> body = Map.of("budgetId", leaf, "amount", "0.05");
			try (Connection connection = connect(pool, "faults-lock-holder")) {
				connection.setAutoCommit(false);
				try (PreparedStatement lock = connection
					.prepareStatement("SELECT id FROM budget_ledger.budgets WHERE id = ? FOR UPDATE")) {
					lock.setObject(1, root);
					lock.executeQuery().close();
				}
				long locked = System.nanoTime();
				this.stats.operations.increment();
				// A long client timeout: the answer must come from the service's lock
				// timeout, however slow the machine.
				Answer probe = send(instance + "/v1/reservations", body, key, Duration.ofSeconds(20));
				if (probe == null || probe.status() != 503
						|| !"LOCK_TIMEOUT".equals(probe.body().path("code").asString(""))) {
					this.unexpected.add("a reserve while the root was locked got " + probe);
				}
				else {
					this.stats.lockTimeouts.increment();
				}
				Thread.sleep(Math.max(0, millis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - locked)));
				connection.commit();
				this.stats.fault("root row locked past the lock timeout");
			}
			catch (SQLException | InterruptedException ex) {
				this.unexpected.add("the lock holder failed: " + ex);
				return;
			}
			Answer retried = send(instance + "/v1/reservations", body, key, Duration.ofSeconds(20));
			if (retried == null || (retried.status() != 201 && retried.status() != 402)) {
				this.unexpected.add("the retry after the lock was released got " + retried);
			}
			else {
				this.stats.acknowledged.increment();
				this.acks.add((retried.status() == 201)
						? new Ack("reserve", key, UUID.fromString(retried.body().get("id").asString()), null, null)
						: new Ack("deny", key, null, null, null));
			}
		}, "faults-lock-holder");
		holder.start();
		return holder;
	}

	/** Every 2xx a client got is in the journal exactly once. */
	private void verifyAcknowledged(List<String> violations) {
		String prefix = "f" + SEED + "-%";
		Map<String, List<UUID>> created = new HashMap<>();
		Map<UUID, String> states = new HashMap<>();
		Map<UUID, BigDecimal> charged = new HashMap<>();
		this.jdbc
			.sql("SELECT id, idempotency_key, status, charged FROM reservations WHERE idempotency_key LIKE :prefix")
			.param("prefix", prefix)
			.query(rs -> {
				UUID id = rs.getObject("id", UUID.class);
				created.computeIfAbsent(rs.getString("idempotency_key"), k -> new ArrayList<>()).add(id);
				states.put(id, rs.getString("status"));
				if (rs.getBigDecimal("charged") != null) {
					charged.put(id, rs.getBigDecimal("charged"));
				}
			});
		Map<String, Long> movements = new HashMap<>();
		this.jdbc.sql("""
				SELECT e.reservation_id, e.kind, count(*) AS n FROM journal_entries e
				JOIN reservations r ON r.id = e.reservation_id WHERE r.idempotency_key LIKE :prefix
				GROUP BY e.reservation_id, e.kind""").param("prefix", prefix).query(rs -> {
			movements.put(rs.getString("reservation_id") + "/" + rs.getString("kind"), rs.getLong("n"));
		});
		for (Ack ack : this.acks) {
			UUID reservation = ack.reservation();
			switch (ack.kind()) {
				case "reserve" -> {
					List<UUID> made = created.getOrDefault(ack.key(), List.of());
					if (!made.equals(List.of(reservation))) {
						violations.add("reserve " + ack.key() + " answered " + reservation + " but created " + made);
					}
				}
				case "deny" -> {
					if (created.containsKey(ack.key())) {
						violations.add("reserve " + ack.key() + " was denied but created " + created.get(ack.key()));
					}
				}
				case "settle" -> {
					long settles = movements.getOrDefault(reservation + "/SETTLE", 0L);
					BigDecimal charge = charged.get(reservation);
					if (!"SETTLED".equals(states.get(reservation)) || charge == null
							|| charge.compareTo(ack.amount()) != 0 || settles != 3) {
						violations.add("settle of " + reservation + " by " + ack.amount() + " acknowledged, but it is "
								+ states.get(reservation) + " charged " + charge + " with " + settles
								+ " SETTLE entries");
					}
				}
				case "release" -> {
					String kind = "RELEASED".equals(ack.status()) ? "RELEASE" : "EXPIRE";
					long moves = movements.getOrDefault(reservation + "/" + kind, 0L);
					if (!String.valueOf(ack.status()).equals(states.get(reservation)) || moves != 3) {
						violations.add("release of " + reservation + " answered " + ack.status() + " but it is "
								+ states.get(reservation) + " with " + moves + " " + kind + " entries");
					}
				}
				default -> {
					// extend moves no money; the reconciliation covers it.
				}
			}
		}
		created.forEach((key, made) -> {
			if (made.size() > 1) {
				violations.add("reserve " + key + " created " + made);
			}
		});
	}

	private long count(String kind, String condition) {
		return this.jdbc
			.sql("""
					SELECT count(*) FROM journal_entries e JOIN reservations r ON r.id = e.reservation_id
					JOIN budgets b ON b.id = e.budget_id WHERE e.kind = :kind AND b.name = 'faults root' AND r.idempotency_key LIKE :prefix AND"""
					+ " " + condition)
			.param("kind", kind)
			.param("prefix", "f" + SEED + "-%")
			.query(Long.class)
			.single();
	}

	/**
	 * One client: its own seeded choices, its own holds, retries with the same key on the
	 * next instance.
	 */
	private final class Client implements Runnable {

		private final int id;

		private final Random random;

		private final List<String> instances;

		private final List<UUID> leaves;

		private final AtomicBoolean running;

		private final List<UUID> held = new ArrayList<>();

		private int home;

		private int sequence;

		Client(int id, Random random, List<String> instances, List<UUID> leaves, AtomicBoolean running) {
			this.id = id;
			this.random = random;
			this.instances = instances;
			this.leaves = leaves;
			this.running = running;
			this.home = id % instances.size();
		}

		@Override
		public void run() {
			while (this.running.get()) {
				int roll = this.held.isEmpty() ? 0 : this.random.nextInt(100);
				if (roll < 40) {
					reserve();
				}
				else if (roll < 65) {
					settle(this.held.remove(this.random.nextInt(this.held.size())));
				}
				else if (roll < 80) {
					release(this.held.remove(this.random.nextInt(this.held.size())));
				}
				else if (roll < 90) {
					extend(this.held.get(this.random.nextInt(this.held.size())));
				}
				else {
					// Abandoned: the caller never comes back; the hold expires.
					this.held.remove(this.random.nextInt(this.held.size()));
					FaultInjectionIntegrationTests.this.stats.operations.increment();
				}
			}
		}

		private void reserve() {
			UUID leaf = this.leaves.get(this.random.nextInt(this.leaves.size()));
			String amount = BigDecimal.valueOf(5 + this.random.nextInt(96), 2).toPlainString();
			int ttl = List.of(15, 30, 120).get(this.random.nextInt(3));
			String key = key();
			Answer answer = call("/v1/reservations", Map.of("budgetId", leaf, "amount", amount, "ttlSeconds", ttl), key,
					201, 402);
			if (answer != null && answer.status() == 201) {
				UUID reservation = UUID.fromString(answer.body().get("id").asString());
				this.held.add(reservation);
				acknowledge(new Ack("reserve", key, reservation, null, null));
			}
			else if (answer != null) {
				acknowledge(new Ack("deny", key, null, null, null));
			}
		}

		private void settle(UUID reservation) {
			BigDecimal amount = BigDecimal.valueOf(1 + this.random.nextInt(130), 2);
			Answer answer = call("/v1/reservations/" + reservation + "/settle",
					// Up to 26 times the hold: beyond the default overrun ceiling, which
					// is not what this workload tests.
					Map.of("amount", amount.toPlainString(), "allowOverrun", true), key(), 200);
			if (answer != null) {
				acknowledge(new Ack("settle", null, reservation, amount, null));
			}
		}

		private void release(UUID reservation) {
			Answer answer = call("/v1/reservations/" + reservation + "/release", Map.of(), key(), 200);
			if (answer != null) {
				acknowledge(new Ack("release", null, reservation, null, answer.body().get("status").asString()));
			}
		}

		private void extend(UUID reservation) {
			Answer answer = call("/v1/reservations/" + reservation + "/extend",
					Map.of("ttlSeconds", 30 + this.random.nextInt(90)), key(), 200, 409);
			if (answer != null && answer.status() == 200) {
				acknowledge(new Ack("extend", null, reservation, null, null));
			}
			else if (answer != null) {
				// Expired meanwhile (the clock jumped, the sweep ran): it is no longer
				// held.
				this.held.remove(reservation);
			}
		}

		private String key() {
			return "f" + SEED + "-c" + this.id + "-" + (this.sequence++);
		}

		private void acknowledge(Ack ack) {
			FaultInjectionIntegrationTests.this.acks.add(ack);
			FaultInjectionIntegrationTests.this.stats.acknowledged.increment();
		}

		/**
		 * Sends until an answer in {@code expected} (or another 4xx, recorded as
		 * unexpected) comes back, with the same key every time; null when every attempt
		 * failed, so the outcome stays unknown.
		 */
		private @Nullable Answer call(String path, Object body, String key, int... expected) {
			Stats stats = FaultInjectionIntegrationTests.this.stats;
			stats.operations.increment();
			for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
				if (attempt > 0) {
					stats.retries.increment();
					this.home = (this.home + 1) % this.instances.size();
					sleep(30 + this.random.nextInt(120));
				}
				Answer answer = send(this.instances.get(this.home) + path, body, key);
				if (answer == null) {
					continue;
				}
				String code = answer.body().path("code").asString("");
				if ("LOCK_TIMEOUT".equals(code)) {
					stats.lockTimeouts.increment();
				}
				if (answer.status() >= 500 || "IDEMPOTENCY_KEY_IN_FLIGHT".equals(code)) {
					continue;
				}
				for (int status : expected) {
					if (answer.status() == status && (status != 409 || "RESERVATION_EXPIRED".equals(code))) {
						return answer;
					}
				}
				FaultInjectionIntegrationTests.this.unexpected
					.add("POST " + path + " (" + key + ") -> " + answer.status() + " " + answer.body());
				return null;
			}
			return null;
		}

	}

	/**
	 * One attempt; null when no answer came (the outcome is then unknown unless the
	 * connection was refused).
	 */
	private @Nullable Answer send(String url, Object body, String key) {
		return send(url, body, key, Duration.ofSeconds(4));
	}

	private @Nullable Answer send(String url, Object body, String key, Duration timeout) {
		HttpRequest request = HttpRequest.newBuilder(URI.create(url))
			.timeout(timeout)
			.header("Authorization", "Bearer " + ADMIN_KEY)
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
			.build();
		try {
			HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
			return new Answer(response.statusCode(), parse(response.body()));
		}
		catch (ConnectException ex) {
			return null;
		}
		catch (IOException ex) {
			// A timeout or a dropped connection: the request may or may not have taken
			// effect.
			this.stats.unknownOutcomes.increment();
			return null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	private record Answer(int status, JsonNode body) {
	}

	/**
	 * A body as JSON; an empty object for anything else (an empty body, a proxy's HTML
	 * error page).
	 */
	private static JsonNode parse(String body) {
		try {
			return body.isEmpty() ? json.createObjectNode() : json.readTree(body);
		}
		catch (RuntimeException ex) {
			return json.createObjectNode();
		}
	}

	/** An operation a client got a 2xx (or a 402 deny) for. */
	private record Ack(String kind, @Nullable String key, @Nullable UUID reservation, @Nullable BigDecimal amount,
			@Nullable String status) {
	}

	private static final class Stats {

		final LongAdder operations = new LongAdder();

		final LongAdder acknowledged = new LongAdder();

		final LongAdder retries = new LongAdder();

		final LongAdder unknownOutcomes = new LongAdder();

		final LongAdder lockTimeouts = new LongAdder();

		final Map<String, AtomicInteger> faults = new ConcurrentHashMap<>();

		void fault(String kind) {
			this.faults.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
		}

	}

	// ---------------------------------------------------------------- instances and
	// connections

	private Process startChild(HikariDataSource pool, int port, File log) throws IOException {
		Duration offset = Duration.between(Instant.now(), this.clock.instant());
		String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
		String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
				"-Dfaults.clock-offset=" + offset, "-cp", classpath, SecondInstance.class.getName()));
		command.addAll(List.of(instanceArgs("budget-ledger-c", "--server.port=" + port,
				"--spring.datasource.url=" + pool.getJdbcUrl(), "--spring.datasource.username=" + pool.getUsername(),
				"--spring.datasource.password=" + pool.getPassword(),
				"--budget-ledger.reservations.sweep-interval=1h")));
		Files.createDirectories(log.toPath().getParent());
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

	private static String[] instanceArgs(String name, String... more) {
		List<String> args = new ArrayList<>(List.of(more));
		args.addAll(List.of("--budget-ledger.security.admin-key=" + ADMIN_KEY,
				"--budget-ledger.security.rate-limit.requests-per-second=1000000",
				"--budget-ledger.security.rate-limit.burst=1000000", "--spring.flyway.enabled=false",
				"--spring.datasource.hikari.data-source-properties.ApplicationName=" + name,
				"--spring.datasource.hikari.maximum-pool-size=6", "--spring.datasource.hikari.minimum-idle=1",
				"--logging.level.root=WARN"));
		return args.toArray(String[]::new);
	}

	private static void awaitHealthy(int port, Process child, File log) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
		while (System.nanoTime() < deadline) {
			if (!child.isAlive()) {
				break;
			}
			try {
				HttpResponse<String> health = http.send(
						HttpRequest.newBuilder(URI.create(base(port) + "/actuator/health")).build(),
						HttpResponse.BodyHandlers.ofString());
				if (health.statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// Not listening yet.
			}
			Thread.sleep(200);
		}
		throw new AssertionError(
				"seed " + SEED + ": the child instance did not start:\n" + Files.readString(log.toPath()));
	}

	private static Connection connect(HikariDataSource pool, String name) throws SQLException {
		Properties properties = new Properties();
		properties.setProperty("user", pool.getUsername());
		properties.setProperty("password", (pool.getPassword() != null) ? pool.getPassword() : "");
		properties.setProperty("ApplicationName", name);
		return DriverManager.getConnection(pool.getJdbcUrl(), properties);
	}

	private static String base(int port) {
		return "http://127.0.0.1:" + port;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static long elapsed(long start) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static long seed() {
		String given = System.getProperty("faults.seed", System.getenv("FAULTS_SEED"));
		return (given != null && !given.isBlank()) ? Long.parseLong(given.trim()) : new SecureRandom().nextLong();
	}

}
