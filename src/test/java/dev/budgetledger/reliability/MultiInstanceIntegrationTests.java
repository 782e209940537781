package dev.budgetledger.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances on one database: the row lock, not the instance, decides; the cap holds
 * across both.
 */
class MultiInstanceIntegrationTests extends IntegrationTest {

	@Autowired
	DataSource dataSource;

	@Test
	void twoInstancesSharingABudgetAllowExactlyWhatFits() throws Exception {
		HikariDataSource pool = this.dataSource.unwrap(HikariDataSource.class);
		UUID org = createBudget("5.00");
		UUID leaf = createBudget(Map.of("limit", "5.00", "parentId", org));
		// The test's clock, as other tests may have moved it: on another clock, one
		// instance would see the other's
		// holds as overdue and expire them to make room.
		try (ConfigurableApplicationContext second = SecondInstance.start(this.clock, "--server.port=0",
				"--spring.datasource.url=" + pool.getJdbcUrl(), "--spring.datasource.username=" + pool.getUsername(),
				"--spring.datasource.password=" + pool.getPassword(), "--budget-ledger.security.admin-key=" + ADMIN_KEY,
				"--budget-ledger.reservations.sweep-interval=1h")) {
			Api other = new Api(((WebServerApplicationContext) second).getWebServer().getPort(), ADMIN_KEY);
			List<Api> instances = List.of(this.api, other);
			ExecutorService threads = Executors.newFixedThreadPool(24);
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Integer>> results = new ArrayList<>();
			for (int i = 0; i < 120; i++) {
				Api instance = instances.get(i % 2);
				UUID budget = (i % 3 == 0) ? org : leaf;
				results.add(threads.submit(() -> {
					start.await();
					return instance.post("/v1/reservations", Map.of("budgetId", budget, "amount", "0.10")).status();
				}));
			}
			start.countDown();
			int allowed = 0;
			for (Future<Integer> result : results) {
				int status = result.get(60, TimeUnit.SECONDS);
				assertThat(status).isIn(201, 402);
				allowed += (status == 201) ? 1 : 0;
			}
			threads.shutdownNow();

			assertThat(allowed).isEqualTo(50);
		}
		assertReconciled(org, "0", "5.00");
		assertLedgerReconciled();
	}

}
