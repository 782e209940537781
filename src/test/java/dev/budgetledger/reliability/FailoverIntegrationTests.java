package dev.budgetledger.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.budgetledger.BudgetLedgerApplication;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.AutoFailoverCluster;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service on a pg_auto_failover formation (a monitor, a primary and its synchronous
 * standby; {@link AutoFailoverCluster}), connected with a multi-host URL
 * ({@code targetServerType=primary}), under a steady load of reserves, settles and
 * releases from several clients, each with an Idempotency-Key it retries on any failure.
 * The primary is killed (SIGKILL to the node: keeper and PostgreSQL), later the old
 * primary rejoins and the formation is switched over on purpose. Meanwhile the service
 * answers 503 and finds the new primary by itself; afterwards every acknowledged reserve,
 * settle and release is in the journal exactly once, no reservation exists that was not
 * acknowledged, and the invariant checker finds nothing. The figures go to
 * docs/reliability.md; the seed ({@code -Dfailover.seed}) replays the same sequence of
 * operations. Tagged e2e: it needs pg_auto_failover's packages, which {@code .ci/run}
 * installs.
 */
@Tag("e2e")
class FailoverIntegrationTests {

	static final long SEED = Long.getLong("failover.seed", 25L);

	static final int CLIENTS = 6;

	private static @Nullable AutoFailoverCluster cluster;

	private static @Nullable ConfigurableApplicationContext service;

	private static Api api;

	@BeforeAll
	static void startTheFormationAndTheService() {
		try {
			AutoFailoverCluster formation = AutoFailoverCluster.start();
			cluster = formation;
			service = new SpringApplicationBuilder(BudgetLedgerApplication.class).run("--server.port=0",
					"--spring.datasource.url=" + formation.jdbcUrl(), "--spring.datasource.username=postgres",
					"--spring.datasource.password=", "--budget-ledger.embedded-database.enabled=false",
					"--budget-ledger.security.admin-key=" + IntegrationTest.ADMIN_KEY,
					"--budget-ledger.security.rate-limit.requests-per-second=100000",
					"--budget-ledger.security.rate-limit.burst=100000",
					"--budget-ledger.reservations.sweep-interval=1h", "--budget-ledger.webhooks.poll-interval=1h");
			api = new Api(((WebServerApplicationContext) service).getWebServer().getPort(), IntegrationTest.ADMIN_KEY);
		}
		catch (RuntimeException | Error ex) {
			stopEverything();
			throw ex;
		}
	}

	@AfterAll
	static void stopEverything() {
		try {
			if (service != null) {
				service.close();
			}
		}
		finally {
			service = null;
			if (cluster != null) {
				cluster.close();
			}
			cluster = null;
		}
	}

	@Test
	void afterAFailoverAndASwitchoverEveryAcknowledgedWriteIsInTheJournalExactlyOnce() throws Exception {
		AutoFailoverCluster formation = cluster();
		List<UUID> budgets = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			Api.Response created = api.post("/v1/budgets", Map.of("name", "failover " + i, "limit", "100000"));
			assertThat(created.status()).as(created.toString()).isEqualTo(201);
			budgets.add(UUID.fromString(created.text("id")));
		}
		Load load = new Load(budgets, SEED);
		load.start();
		try {
			Thread.sleep(3000);
			assertThat(formation.primary()).isEqualTo("node1");

			long killed = System.nanoTime();
			formation.kill("node1");
			double failover = load.recoveredAfter(killed, Duration.ofSeconds(90));
			formation.awaitStates(Duration.ofSeconds(60), Map.of("node2", "wait_primary"));
			Thread.sleep(2000);

			formation.restart("node1");
			formation.awaitStates(Duration.ofSeconds(120), Map.of("node1", "secondary", "node2", "primary"));
			Thread.sleep(2000);

			long switched = System.nanoTime();
			formation.switchover();
			double switchover = load.recoveredAfter(switched, Duration.ofSeconds(90));
			formation.awaitStates(Duration.ofSeconds(60), Map.of("node1", "primary", "node2", "secondary"));
			Thread.sleep(2000);
			load.stop();

			Map<String, Long> journal = journal(formation);
			long reservations = count(formation,
					"SELECT count(*) FROM budget_ledger.reservations WHERE budget_id = ANY(?)", budgets);
			List<String> violations = new ArrayList<>();
			check(violations, load.reserved, journal, "RESERVE");
			check(violations, load.settled, journal, "SETTLE");
			check(violations, load.released, journal, "RELEASE");
			if (reservations != load.reserved.size()) {
				violations
					.add(reservations + " reservations exist for " + load.reserved.size() + " acknowledged reserves");
			}
			boolean reconciled = api.get("/v1/admin/reconciliation").json().get("ok").asBoolean();
			if (!reconciled) {
				violations.add("the reconciliation found differences");
			}
			System.out.printf("Failover run (seed %d, %d clients): %d operations, %d acknowledged writes (%d reserves, "
					+ "%d settles, %d releases), %d answered 503 meanwhile, 2 primary changes: a failover after "
					+ "SIGKILL recovered in %.1f s, a switchover in %.1f s; failed answers by status %s; violations: %d %s%n",
					SEED, CLIENTS, load.operations.get(),
					load.reserved.size() + load.settled.size() + load.released.size(), load.reserved.size(),
					load.settled.size(), load.released.size(), load.unavailable.get(), failover, switchover,
					load.statuses, violations.size(), violations);

			assertThat(violations).isEmpty();
			assertThat(load.failures).as("answers that are neither success nor worth a retry").isEmpty();
			assertThat(load.unavailable.get()).as("503 answers while the primary changed").isPositive();
			// Meanwhile the service answers 503 (or 409 for a key whose first attempt is
			// still running), never a 500.
			assertThat(load.statuses.keySet()).as("failed answers by status").isSubsetOf(503, 409);
			assertThat(load.reserved).hasSizeGreaterThan(50);
			assertThat(failover).isLessThan(60);
			assertThat(switchover).isLessThan(60);
		}
		finally {
			load.stop();
		}
	}

	private static void check(List<String> violations, Set<UUID> acknowledged, Map<String, Long> journal, String kind) {
		for (UUID id : acknowledged) {
			long entries = journal.getOrDefault(id + "/" + kind, 0L);
			if (entries != 1) {
				violations.add(kind + " of " + id + " acknowledged, " + entries + " journal entries");
			}
		}
	}

	/** Journal entries by "reservation/kind", read on the primary now. */
	private static Map<String, Long> journal(AutoFailoverCluster formation) throws SQLException {
		Map<String, Long> entries = new HashMap<>();
		try (Connection primary = DriverManager.getConnection(formation.jdbcUrl(), "postgres", "");
				Statement statement = primary.createStatement();
				ResultSet rows = statement.executeQuery("SELECT reservation_id, kind, count(*)"
						+ " FROM budget_ledger.journal_entries WHERE reservation_id IS NOT NULL GROUP BY 1, 2")) {
			while (rows.next()) {
				entries.put(rows.getString(1) + "/" + rows.getString(2), rows.getLong(3));
			}
		}
		return entries;
	}

	private static long count(AutoFailoverCluster formation, String sql, List<UUID> budgets) throws SQLException {
		try (Connection primary = DriverManager.getConnection(formation.jdbcUrl(), "postgres", "");
				var statement = primary.prepareStatement(sql)) {
			statement.setArray(1, primary.createArrayOf("uuid", budgets.toArray()));
			try (ResultSet rows = statement.executeQuery()) {
				rows.next();
				return rows.getLong(1);
			}
		}
	}

	private static AutoFailoverCluster cluster() {
		assertThat(cluster).isNotNull();
		return cluster;
	}

	/**
	 * {@value #CLIENTS} clients, each in a loop: reserve, then settle or release (by the
	 * seed), every request with an Idempotency-Key of its own that is retried, after 50
	 * ms, until it is answered with success. What was acknowledged is recorded; every
	 * completed request is recorded with its time, to measure recovery.
	 */
	static final class Load {

		final Set<UUID> reserved = ConcurrentHashMap.newKeySet();

		final Set<UUID> settled = ConcurrentHashMap.newKeySet();

		final Set<UUID> released = ConcurrentHashMap.newKeySet();

		final AtomicLong operations = new AtomicLong();

		final AtomicLong unavailable = new AtomicLong();

		final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

		/** Every answer that was not a success, by status (-1: no answer). */
		final Map<Integer, Long> statuses = new ConcurrentHashMap<>();

		/** End time (nanos) and outcome of every request. */
		final ConcurrentLinkedQueue<long[]> completions = new ConcurrentLinkedQueue<>();

		private final List<UUID> budgets;

		private final long seed;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);

		private final List<Future<?>> clients = new ArrayList<>();

		Load(List<UUID> budgets, long seed) {
			this.budgets = budgets;
			this.seed = seed;
		}

		void start() {
			for (int c = 0; c < CLIENTS; c++) {
				Random random = new Random(this.seed * 31 + c);
				this.clients.add(this.threads.submit(() -> {
					while (this.running.get()) {
						UUID budget = this.budgets.get(random.nextInt(this.budgets.size()));
						Api.Response hold = untilAnswered("/v1/reservations",
								Map.of("budgetId", budget, "amount", "0.0" + (1 + random.nextInt(9))));
						if (hold == null) {
							return;
						}
						UUID id = UUID.fromString(hold.text("id"));
						this.reserved.add(id);
						boolean settle = random.nextBoolean();
						Api.Response done = settle
								? untilAnswered("/v1/reservations/" + id + "/settle", Map.of("amount", "0.005"))
								: untilAnswered("/v1/reservations/" + id + "/release", "");
						if (done == null) {
							return;
						}
						(settle ? this.settled : this.released).add(id);
					}
				}));
			}
		}

		/**
		 * The request with one Idempotency-Key until it succeeds; null when the load
		 * stopped first.
		 */
		private Api.@Nullable Response untilAnswered(String path, Object body) {
			String key = UUID.randomUUID().toString();
			this.operations.incrementAndGet();
			while (true) {
				int status;
				Api.Response response = null;
				try {
					response = api.post(path, body, "Idempotency-Key", key);
					status = response.status();
				}
				catch (RuntimeException ex) {
					status = -1;
				}
				this.completions.add(new long[] { System.nanoTime(), (status >= 200 && status < 300) ? 1 : 0 });
				if (status >= 200 && status < 300) {
					return response;
				}
				this.statuses.merge(status, 1L, Long::sum);
				if (status == 503) {
					this.unavailable.incrementAndGet();
					if (response.header("Retry-After").isEmpty()) {
						this.failures.add(path + " answered 503 without Retry-After: " + response);
					}
				}
				else if (status != 409 && status != 500 && status != -1) {
					this.failures.add(path + " answered " + response);
					return null;
				}
				try {
					Thread.sleep(50);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return null;
				}
			}
		}

		/**
		 * Seconds from {@code since} until the service answered with success again after
		 * its last failure; 0 if nothing failed. Waits until requests have succeeded for
		 * a second after the last failure.
		 */
		double recoveredAfter(long since, Duration timeout) throws InterruptedException {
			long deadline = since + timeout.toNanos();
			while (System.nanoTime() < deadline) {
				long lastFailure = 0;
				long firstSuccessAfter = Long.MAX_VALUE;
				for (long[] completion : this.completions) {
					if (completion[0] >= since && completion[1] == 0) {
						lastFailure = Math.max(lastFailure, completion[0]);
					}
				}
				for (long[] completion : this.completions) {
					if (completion[0] > Math.max(lastFailure, since) && completion[1] == 1) {
						firstSuccessAfter = Math.min(firstSuccessAfter, completion[0]);
					}
				}
				long now = System.nanoTime();
				if (lastFailure == 0 && now - since > TimeUnit.SECONDS.toNanos(10)) {
					return 0;
				}
				if (lastFailure > 0 && firstSuccessAfter != Long.MAX_VALUE
						&& now - lastFailure > TimeUnit.SECONDS.toNanos(1)) {
					return (firstSuccessAfter - since) / 1e9;
				}
				Thread.sleep(100);
			}
			throw new IllegalStateException("The service did not recover within " + timeout.toSeconds() + "s");
		}

		void stop() throws Exception {
			this.running.set(false);
			for (Future<?> client : this.clients) {
				client.get(120, TimeUnit.SECONDS);
			}
			this.threads.shutdownNow();
		}

	}

}
