package dev.budgetledger.database;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.budgetledger.BudgetLedgerApplication;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;
import dev.budgetledger.support.LocalDatabase;
import dev.budgetledger.support.PgBouncer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service behind PgBouncer in transaction mode, configured as docs/scaling.md says:
 * the pool's URL through the pooler with {@code prepareThreshold=0}, migrations and the
 * key cache's {@code LISTEN} on direct connections, and the session settings (schema,
 * lock and statement timeouts) on the role in the database, since PgBouncer drops the
 * start-up {@code options}. Sixteen client connections share {@value #SERVER_CONNECTIONS}
 * server connections, so anything that depended on a session would show here: a prepared
 * statement, a SET outside a transaction, a session-level advisory lock or isolation
 * level, a LISTEN. Tagged e2e: it needs PgBouncer installed, which {@code .ci/run} sees
 * to.
 */
@Tag("e2e")
class PgBouncerIntegrationTests {

	static final int SERVER_CONNECTIONS = 4;

	static final String ADMIN_KEY = IntegrationTest.ADMIN_KEY;

	private static @Nullable LocalDatabase database;

	private static @Nullable PgBouncer bouncer;

	private static @Nullable ConfigurableApplicationContext service;

	private static Api api;

	@BeforeAll
	static void startPgBouncerAndTheServiceBehindIt() throws SQLException {
		try {
			LocalDatabase db = LocalDatabase.create("pgbouncer");
			database = db;
			try (Connection direct = DriverManager.getConnection(db.url(), db.username(), db.password());
					Statement statement = direct.createStatement()) {
				for (String setting : List.of("search_path = budget_ledger", "lock_timeout = 2000",
						"statement_timeout = 10000", "idle_in_transaction_session_timeout = 30000")) {
					statement.execute("ALTER ROLE " + db.username() + " IN DATABASE " + db.name() + " SET " + setting);
				}
			}
			PgBouncer pooler = PgBouncer.start(db.url(), db.username(), db.password(), SERVER_CONNECTIONS);
			bouncer = pooler;
			service = new SpringApplicationBuilder(BudgetLedgerApplication.class).run("--server.port=0",
					"--spring.datasource.url=" + pooler.url(), "--spring.datasource.username=" + db.username(),
					"--spring.datasource.password=" + db.password(), "--spring.flyway.url=" + db.url(),
					"--spring.flyway.user=" + db.username(), "--spring.flyway.password=" + db.password(),
					"--budget-ledger.security.key-cache-listen-url=" + db.url(),
					"--budget-ledger.embedded-database.enabled=false",
					"--budget-ledger.security.admin-key=" + ADMIN_KEY,
					"--budget-ledger.security.rate-limit.requests-per-second=100000",
					"--budget-ledger.security.rate-limit.burst=100000",
					"--budget-ledger.reservations.sweep-interval=1h", "--budget-ledger.webhooks.poll-interval=1h");
			api = new Api(((WebServerApplicationContext) service).getWebServer().getPort(), ADMIN_KEY);
		}
		catch (RuntimeException | SQLException | Error ex) {
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
			try {
				if (bouncer != null) {
					bouncer.close();
				}
			}
			finally {
				bouncer = null;
				if (database != null) {
					database.drop();
				}
				database = null;
			}
		}
	}

	@Test
	void reservesSettlesAndReleasesMultiplexedOverFourServerConnections() throws Exception {
		UUID org = createBudget(Map.of("name", "org", "limit", "5.00"));
		UUID leaf = createBudget(Map.of("name", "team", "limit", "5.00", "parentId", org));
		ExecutorService threads = Executors.newFixedThreadPool(16);
		CountDownLatch start = new CountDownLatch(1);
		List<String> keys = new ArrayList<>();
		List<Future<Api.Response>> results = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			String key = UUID.randomUUID().toString();
			keys.add(key);
			UUID budget = (i % 3 == 0) ? org : leaf;
			results.add(threads.submit(() -> {
				start.await();
				return api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "0.10"), "Idempotency-Key",
						key);
			}));
		}
		start.countDown();
		List<UUID> holds = new ArrayList<>();
		List<String> allowedKeys = new ArrayList<>();
		for (int i = 0; i < results.size(); i++) {
			Api.Response response = results.get(i).get(60, TimeUnit.SECONDS);
			assertThat(response.status()).as(response.toString()).isIn(201, 402);
			if (response.status() == 201) {
				holds.add(UUID.fromString(response.text("id")));
				allowedKeys.add(keys.get(i));
			}
		}
		assertThat(holds).hasSize(50);

		// Retries with the same Idempotency-Key replay the first answer and hold nothing
		// more.
		for (int i = 0; i < 5; i++) {
			Api.Response replay = api.post("/v1/reservations",
					Map.of("budgetId", reservationBudget(holds.get(i)), "amount", "0.10"), "Idempotency-Key",
					allowedKeys.get(i));
			assertThat(replay.status()).as(replay.toString()).isEqualTo(201);
			assertThat(replay.text("id")).isEqualTo(holds.get(i).toString());
		}

		List<Future<Integer>> outcomes = new ArrayList<>();
		for (int i = 0; i < holds.size(); i++) {
			UUID hold = holds.get(i);
			boolean settle = i % 2 == 0;
			outcomes.add(threads.submit(
					() -> settle ? api.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "0.04")).status()
							: api.post("/v1/reservations/" + hold + "/release", "").status()));
		}
		for (Future<Integer> outcome : outcomes) {
			assertThat(outcome.get(60, TimeUnit.SECONDS)).isEqualTo(200);
		}
		threads.shutdownNow();

		Api.Response root = api.get("/v1/budgets/" + org);
		assertThat(root.amount("spent")).isEqualByComparingTo(new BigDecimal("1.00"));
		assertThat(root.amount("reserved")).isEqualByComparingTo(BigDecimal.ZERO);
		assertThat(api.get("/v1/admin/reconciliation").json().get("ok").asBoolean()).isTrue();

		// Sixteen client connections of the service's pool, served by at most four
		// PostgreSQL backends.
		HikariDataSource pool = service().getBean(DataSource.class).unwrap(HikariDataSource.class);
		assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isGreaterThan(SERVER_CONNECTIONS);
		assertThat(backendsOfThePooler()).isBetween(1L, (long) SERVER_CONNECTIONS);
	}

	@Test
	void concurrentDuplicatesOfOneIdempotencyKeyHoldOnceThroughTheTransactionScopedAdvisoryLock() throws Exception {
		UUID budget = createBudget(Map.of("name", "duplicates", "limit", "1.00"));
		String key = UUID.randomUUID().toString();
		ExecutorService threads = Executors.newFixedThreadPool(8);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Api.Response>> results = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			results.add(threads.submit(() -> {
				start.await();
				return api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "0.30"), "Idempotency-Key",
						key);
			}));
		}
		start.countDown();
		Set<String> ids = new HashSet<>();
		for (Future<Api.Response> result : results) {
			Api.Response response = result.get(60, TimeUnit.SECONDS);
			assertThat(response.status()).as(response.toString()).isIn(201, 409);
			if (response.status() == 201) {
				ids.add(response.text("id"));
			}
		}
		threads.shutdownNow();

		assertThat(ids).hasSize(1);
		assertThat(api.get("/v1/budgets/" + budget).amount("reserved")).isEqualByComparingTo("0.30");
	}

	@Test
	void everyServerConnectionHasTheSessionSettingsOfTheRoleAndNoneKeepsAnIsolationLevel() {
		JdbcClient pooled = JdbcClient.create(service().getBean(DataSource.class));
		TransactionTemplate report = new TransactionTemplate(service().getBean(PlatformTransactionManager.class));
		report.setReadOnly(true);
		report.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
		for (int i = 0; i < 20; i++) {
			Map<String, Object> inside = report.execute(
					status -> pooled
						.sql("SELECT current_setting('transaction_isolation') AS isolation,"
								+ " current_setting('default_transaction_isolation') AS session,"
								+ " current_setting('transaction_read_only') AS read_only")
						.query()
						.singleRow());
			assertThat(inside).containsEntry("isolation", "repeatable read")
				.containsEntry("session", "read committed")
				.containsEntry("read_only", "on");
			Map<String, Object> outside = pooled.sql("SELECT current_setting('transaction_isolation') AS isolation,"
					+ " current_setting('search_path') AS search_path, current_setting('lock_timeout') AS lock_timeout,"
					+ " current_setting('statement_timeout') AS statement_timeout")
				.query()
				.singleRow();
			assertThat(outside).containsEntry("isolation", "read committed")
				.containsEntry("search_path", "budget_ledger")
				.containsEntry("lock_timeout", "2s")
				.containsEntry("statement_timeout", "10s");
		}
		UUID budget = createBudget(Map.of("name", "report", "limit", "1.00"));
		assertThat(api.get("/v1/budgets/" + budget + "/usage?groupBy=model").status()).isEqualTo(200);
	}

	@Test
	void theKeyCacheHearsRevocationsOnItsDirectConnectionWhileRequestsGoThroughThePooler() {
		Api.Response key = api.post("/v1/api-keys", Map.of("name", "agent", "role", "CLIENT"));
		assertThat(key.status()).as(key.toString()).isEqualTo(201);
		Api client = api.as(key.text("secret"));
		UUID id = UUID.fromString(key.text("id"));
		// The listener is up once the first request's key is cached: a revocation without
		// its notification is then
		// not seen, which is what proves the cache is in use.
		JdbcClient pooled = JdbcClient.create(service().getBean(DataSource.class));
		await().atMost(Duration.ofSeconds(10))
			.until(() -> pooled
				.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'budget-ledger api-key listener'"
						+ " AND datname = current_database()")
				.query(Long.class)
				.single() == 1);
		assertThat(client.get("/v1/prices").status()).isEqualTo(200);
		pooled.sql("UPDATE api_keys SET revoked_at = now() WHERE id = :id").param("id", id).update();
		assertThat(client.get("/v1/prices").status()).isEqualTo(200);

		// The notification, sent as another instance sends it: through the pooler,
		// delivered at its commit.
		pooled.sql("SELECT pg_notify('budget_ledger_api_keys', :id)").param("id", id.toString()).query().singleRow();

		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.untilAsserted(() -> assertThat(client.get("/v1/prices").status()).isEqualTo(401));
	}

	private static UUID createBudget(Map<String, Object> request) {
		Api.Response response = api.post("/v1/budgets", request);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return UUID.fromString(response.text("id"));
	}

	/**
	 * The backends of the test database but this query's own and the key cache's
	 * listener: PgBouncer's.
	 */
	private static long backendsOfThePooler() throws SQLException {
		LocalDatabase db = database();
		try (Connection direct = DriverManager.getConnection(db.url(), db.username(), db.password());
				Statement statement = direct.createStatement();
				ResultSet count = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '"
						+ db.name() + "' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
						+ " AND application_name IS DISTINCT FROM 'budget-ledger api-key listener'")) {
			count.next();
			return count.getLong(1);
		}
	}

	private static UUID reservationBudget(UUID hold) {
		return UUID.fromString(api.get("/v1/reservations/" + hold).text("budgetId"));
	}

	private static ConfigurableApplicationContext service() {
		assertThat(service).isNotNull();
		return service;
	}

	private static LocalDatabase database() {
		assertThat(database).isNotNull();
		return database;
	}

}
