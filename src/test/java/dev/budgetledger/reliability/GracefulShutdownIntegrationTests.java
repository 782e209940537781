package dev.budgetledger.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping an instance while a reserve is in flight: the reserve finishes with its 201
 * and is in the journal, new requests are refused meanwhile, the schedulers stop, and
 * nothing is left half-done.
 */
class GracefulShutdownIntegrationTests extends IntegrationTest {

	@Autowired
	DataSource dataSource;

	@Test
	void aReserveInFlightFinishesWhileNewRequestsAreRefusedAndNothingIsHalfDone() throws Exception {
		HikariDataSource pool = this.dataSource.unwrap(HikariDataSource.class);
		UUID budget = createBudget("10");
		// Longer waits than the defaults, so the test can hold the row lock through the
		// start of the shutdown.
		ConfigurableApplicationContext instance = SecondInstance.start(this.clock, "--server.port=0",
				"--spring.datasource.url=" + pool.getJdbcUrl(), "--spring.datasource.username=" + pool.getUsername(),
				"--spring.datasource.password=" + pool.getPassword(), "--budget-ledger.security.admin-key=" + ADMIN_KEY,
				"--spring.flyway.enabled=false", "--budget-ledger.reservations.sweep-interval=100ms",
				"--spring.datasource.hikari.maximum-pool-size=4", "--spring.datasource.hikari.minimum-idle=1",
				"--spring.datasource.hikari.data-source-properties.options=-c lock_timeout=15000 -c statement_timeout=20000");
		int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
		ThreadPoolTaskScheduler scheduler = instance.getBean(ThreadPoolTaskScheduler.class);
		Api second = new Api(port, ADMIN_KEY);
		String key = "shutdown-" + UUID.randomUUID();
		CompletableFuture<Api.Response> inFlight;
		CompletableFuture<Void> shutdown;
		try (Connection holder = DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(),
				pool.getPassword())) {
			holder.setAutoCommit(false);
			try (PreparedStatement lock = holder
				.prepareStatement("SELECT id FROM budget_ledger.budgets WHERE id = ? FOR UPDATE")) {
				lock.setObject(1, budget);
				lock.executeQuery().close();
			}
			inFlight = CompletableFuture.supplyAsync(() -> second.post("/v1/reservations",
					Map.of("budgetId", budget, "amount", "1.00"), "Idempotency-Key", key));
			await().atMost(Duration.ofSeconds(10)).until(() -> waitingForLocks() > 0);

			shutdown = CompletableFuture.runAsync(instance::close);
			await().atMost(Duration.ofSeconds(10)).until(() -> refused(port));

			assertThat(inFlight).isNotDone();
			assertThat(shutdown).isNotDone();
			holder.commit();
		}
		Api.Response answer = inFlight.get(30, TimeUnit.SECONDS);
		shutdown.get(30, TimeUnit.SECONDS);

		assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
		assertThat(instance.isActive()).isFalse();
		assertThat(scheduler.getScheduledExecutor().isTerminated()).isTrue();
		UUID reservation = UUID.fromString(answer.text("id"));
		assertThat(this.jdbc.sql("SELECT count(*) FROM journal_entries WHERE reservation_id = :id AND kind = 'RESERVE'")
			.param("id", reservation)
			.query(Long.class)
			.single()).isEqualTo(1);
		assertThat(this.jdbc.sql("SELECT location FROM idempotency_keys WHERE idempotency_key = :key")
			.param("key", key)
			.query(String.class)
			.single()).isEqualTo("/v1/reservations/" + reservation);
		assertReconciled(budget, "0", "1.00");
		assertLedgerReconciled();
	}

	private long waitingForLocks() {
		return this.jdbc
			.sql("""
					SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'""")
			.query(Long.class)
			.single();
	}

	/**
	 * A new connection is refused (a fresh client, so no kept-alive connection is
	 * reused).
	 */
	private static boolean refused(int port) {
		HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		try {
			fresh.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
				.timeout(Duration.ofSeconds(1))
				.build(), HttpResponse.BodyHandlers.discarding());
			return false;
		}
		catch (IOException ex) {
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
