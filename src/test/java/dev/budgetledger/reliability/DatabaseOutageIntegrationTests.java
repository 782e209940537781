package dev.budgetledger.reliability;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.budgetledger.BudgetLedgerApplication;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;
import dev.budgetledger.support.TcpProxy;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A second instance reaches the same database through a loopback proxy the test cuts:
 * while the database is unreachable, requests fail fast with 503 and Retry-After and
 * health is DOWN; when it returns, the instance recovers by itself.
 */
class DatabaseOutageIntegrationTests extends IntegrationTest {

	@Autowired
	DataSource dataSource;

	@Test
	void anOutageFailsFastWith503AndTheServiceRecoversByItself() throws Exception {
		UUID budget = createBudget("10");
		HikariDataSource pool = this.dataSource.unwrap(HikariDataSource.class);
		URI database = URI.create(pool.getJdbcUrl().substring(5));
		try (TcpProxy proxy = new TcpProxy(database.getHost(), database.getPort());
				ConfigurableApplicationContext instance = new SpringApplicationBuilder(BudgetLedgerApplication.class)
					.run("--server.port=0",
							"--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath()
									+ ((database.getQuery() != null) ? "?" + database.getQuery() : ""),
							"--spring.datasource.username=" + pool.getUsername(),
							"--spring.datasource.password=" + pool.getPassword(),
							"--budget-ledger.security.admin-key=" + ADMIN_KEY,
							"--budget-ledger.reservations.sweep-interval=1h", "--spring.flyway.enabled=false")) {
			int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
			Api second = new Api(port, ADMIN_KEY);
			assertThat(second.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1")).status())
				.isEqualTo(201);

			proxy.cut();
			long started = System.nanoTime();
			Api.Response during = second.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1"));
			Duration took = Duration.ofNanos(System.nanoTime() - started);

			assertThat(during.status()).as(during.toString()).isEqualTo(503);
			assertThat(during.contentType()).startsWith("application/problem+json");
			assertThat(during.text("code")).isEqualTo("SERVICE_UNAVAILABLE");
			assertThat(during.header("Retry-After")).isPresent();
			assertThat(took).isLessThan(Duration.ofSeconds(5));
			Api.Response health = second.anonymous().get("/actuator/health");
			assertThat(health.status()).isEqualTo(503);
			assertThat(health.text("status")).isEqualTo("DOWN");

			proxy.restore();
			await().atMost(Duration.ofSeconds(30))
				.until(() -> second.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1"))
					.status() == 201);
			assertThat(second.anonymous().get("/actuator/health").text("status")).isEqualTo("UP");
		}
		assertReconciled(budget, "0", "2");
	}

}
