package dev.budgetledger.security;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The first admin key, on an empty database: each test migrates a schema of its own on
 * the test PostgreSQL and starts "instances" there, small application contexts with just
 * the key bootstrap and what it needs, so a start costs milliseconds and several can
 * start at once.
 */
@ExtendWith(OutputCaptureExtension.class)
class AdminKeyBootstrapIntegrationTests extends IntegrationTest {

	private static final Pattern LOGGED_KEY = Pattern.compile("^\\s+(bl_live_[A-Za-z0-9_-]{43})\\s*$",
			Pattern.MULTILINE);

	@Autowired
	DataSource applicationDataSource;

	private String schema = "";

	private DataSource sandbox = new DriverManagerDataSource();

	private JdbcClient sandboxJdbc = JdbcClient.create(this.sandbox);

	@BeforeEach
	void emptySchema() {
		HikariDataSource app = (HikariDataSource) this.applicationDataSource;
		this.schema = "bootstrap_" + UUID.randomUUID().toString().replace("-", "");
		Flyway.configure()
			.dataSource(app.getJdbcUrl(), app.getUsername(), app.getPassword())
			.schemas(this.schema)
			.createSchemas(true)
			.load()
			.migrate();
		String separator = app.getJdbcUrl().contains("?") ? "&" : "?";
		this.sandbox = new DriverManagerDataSource(app.getJdbcUrl() + separator + "currentSchema=" + this.schema,
				app.getUsername(), app.getPassword());
		this.sandboxJdbc = JdbcClient.create(this.sandbox);
	}

	@AfterEach
	void dropSchema() {
		this.jdbc.sql("DROP SCHEMA " + this.schema + " CASCADE").update();
	}

	@Test
	void instancesStartingTogetherOnAnEmptyDatabaseGenerateExactlyOneKeyAndLogItOnce(CapturedOutput output)
			throws Exception {
		int instances = 4;
		ExecutorService pool = Executors.newFixedThreadPool(instances);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> starts = new ArrayList<>();
			for (int i = 0; i < instances; i++) {
				starts.add(pool.submit(() -> {
					start.await();
					startInstance(null).close();
					return null;
				}));
			}
			start.countDown();
			for (Future<?> started : starts) {
				started.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}

		List<Map<String, Object>> keys = this.sandboxJdbc.sql("SELECT role, name, secret_hash FROM api_keys")
			.query()
			.listOfRows();
		assertThat(keys).hasSize(1);
		assertThat(keys.get(0)).containsEntry("role", "ADMIN");
		List<String> logged = loggedKeys(output);
		assertThat(logged).hasSize(1);
		assertThat(output.getOut()).containsOnlyOnce(AdminKeyBootstrap.GENERATED_MARKER);
		String secret = logged.get(0);
		assertThat((byte[]) keys.get(0).get("secret_hash")).isEqualTo(ApiKeySecrets.hash(secret));
		assertThat(this.sandboxJdbc.sql("SELECT count(*) FROM api_keys t WHERE t::text LIKE :secret")
			.param("secret", "%" + secret.substring(8) + "%")
			.query(Long.class)
			.single()).isZero();
		assertThat(this.sandboxJdbc.sql("SELECT action || ' ' || actor_name FROM audit_log").query(String.class).list())
			.containsExactly("API_KEY_CREATE bootstrap");

		try (AnnotationConfigApplicationContext again = startInstance(null)) {
			assertThat(again.getBean(ApiKeys.class).authenticate(secret))
				.hasValueSatisfying(caller -> assertThat(caller.role()).isEqualTo(Role.ADMIN));
		}
		assertThat(this.sandboxJdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single())
			.as("a restart generates nothing")
			.isOne();
		assertThat(loggedKeys(output)).hasSize(1);
	}

	@Test
	void aConfiguredKeyIsStoredAsAHashAndNothingIsGenerated(CapturedOutput output) {
		String configured = ApiKeySecrets.generate();

		try (AnnotationConfigApplicationContext first = startInstance(configured);
				AnnotationConfigApplicationContext second = startInstance(configured)) {
			assertThat(second.getBean(ApiKeys.class).authenticate(configured)).isPresent();
		}

		assertThat(this.sandboxJdbc.sql("SELECT name FROM api_keys").query(String.class).list())
			.containsExactly("admin (configured)");
		assertThat(output.getAll()).doesNotContain(AdminKeyBootstrap.GENERATED_MARKER)
			.doesNotContain(configured.substring(14));
	}

	@Test
	void aRevokedConfiguredKeyStaysRevokedAcrossRestarts(CapturedOutput output) {
		String configured = ApiKeySecrets.generate();
		try (AnnotationConfigApplicationContext first = startInstance(configured)) {
			this.sandboxJdbc.sql("UPDATE api_keys SET revoked_at = now()").update();
		}

		try (AnnotationConfigApplicationContext restarted = startInstance(configured)) {
			assertThat(restarted.getBean(ApiKeys.class).authenticate(configured)).isEmpty();
		}
		assertThat(output.getOut()).contains("was revoked and is not accepted");
		assertThat(this.sandboxJdbc.sql("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL")
			.query(Long.class)
			.single()).isZero();
	}

	@Test
	void aWeakConfiguredKeyStopsTheStartWithoutShowingIt() {
		for (String weak : List.of("changeme", "bl_live_short", "bl_live_" + "a".repeat(43),
				"bl_live_" + "abcdefgh".repeat(5) + "abc", "bl_live_" + "x+/=".repeat(11))) {
			assertThatThrownBy(() -> startInstance(weak)).as(weak)
				.rootCause()
				.isInstanceOf(IllegalStateException.class)
				.hasMessageStartingWith("budget-ledger.security.admin-key (BUDGET_LEDGER_ADMIN_KEY) ")
				.satisfies(ex -> assertThat(ex.getMessage()).doesNotContain(weak));
		}
		assertThat(this.sandboxJdbc.sql("SELECT count(*) FROM api_keys").query(Long.class).single()).isZero();
	}

	/**
	 * One "instance": the bootstrap and its collaborators on the sandbox schema; it runs
	 * when the context starts.
	 */
	private AnnotationConfigApplicationContext startInstance(@Nullable String configuredKey) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		context.registerBean(JdbcClient.class, () -> JdbcClient.create(this.sandbox));
		context.registerBean(TransactionTemplate.class,
				() -> new TransactionTemplate(new DataSourceTransactionManager(this.sandbox)));
		context.registerBean(JsonMapper.class, () -> JsonMapper.builder().build());
		context.registerBean(Clock.class, Clock::systemUTC);
		SecuritySettings settings = new SecuritySettings(configuredKey, new SecuritySettings.RateLimit(100, 200), true,
				null);
		context.registerBean(SecuritySettings.class, () -> settings);
		context.registerBean(KeyCache.class,
				() -> new KeyCache(this.sandbox, settings, context.getBeanProvider(JdbcConnectionDetails.class)));
		context.registerBean(AuditLog.class);
		context.registerBean(ApiKeys.class);
		context.registerBean(AdminKeyBootstrap.class);
		context.refresh();
		return context;
	}

	private static List<String> loggedKeys(CapturedOutput output) {
		List<String> keys = new ArrayList<>();
		Matcher matcher = LOGGED_KEY.matcher(output.getOut());
		while (matcher.find()) {
			keys.add(matcher.group(1));
		}
		return keys;
	}

}
