package dev.budgetledger.database;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.budgetledger.BudgetLedgerApplication;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;
import dev.budgetledger.support.StreamingPair;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Usage reports and the event feed read from a real streaming standby while it is within
 * {@code max-lag}, from the primary when it falls further behind or goes away, and
 * decisions never read from it. The test makes its own primary and standby
 * ({@link StreamingPair}) and pauses the standby's replay to make it lag on demand.
 * Tagged e2e: it needs PostgreSQL's server binaries installed, which {@code .ci/run} sees
 * to.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadReplicaIntegrationTests {

	static final Duration MAX_LAG = Duration.ofSeconds(5);

	private static @Nullable StreamingPair pair;

	private static @Nullable ConfigurableApplicationContext service;

	private static Api api;

	@BeforeAll
	static void startAPrimaryAStandbyAndTheService() {
		try {
			StreamingPair servers = StreamingPair.start();
			pair = servers;
			service = new SpringApplicationBuilder(BudgetLedgerApplication.class).run("--server.port=0",
					"--spring.datasource.url=" + servers.primaryUrl(), "--spring.datasource.username=postgres",
					"--spring.datasource.password=", "--budget-ledger.read-replica.url=" + servers.standbyUrl(),
					"--budget-ledger.read-replica.max-lag=" + MAX_LAG.toSeconds() + "s",
					"--budget-ledger.embedded-database.enabled=false",
					"--budget-ledger.security.admin-key=" + IntegrationTest.ADMIN_KEY,
					"--budget-ledger.reservations.sweep-interval=1h", "--budget-ledger.webhooks.poll-interval=1h",
					"--budget-ledger.idempotency.purge-interval=1h");
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
			if (pair != null) {
				pair.close();
			}
			pair = null;
		}
	}

	@Test
	@Order(1)
	void readsComeFromTheStandbyWithinTheBoundAndFromThePrimaryBeyondItButDecisionsNever() throws Exception {
		UUID budget = createBudget("10.00");
		spend(budget, "0.40");
		pair().awaitCaughtUp();
		double fromReplica = reads("replica", "fresh");
		assertThat(spend(usage(budget))).isEqualTo("0.40");
		assertThat(reads("replica", "fresh")).isEqualTo(fromReplica + 1);

		// A fresh commit replayed, then replay paused: the standby keeps receiving but
		// shows nothing newer.
		commitSomething();
		pair().awaitCaughtUp();
		pair().replay(false);
		try {
			spend(budget, "0.50");
			Api.Response denied = api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "9.50"));
			long stale = System.nanoTime();

			// Decisions are the primary's: 9.50 would fit in the standby's view (10 -
			// 0.40), not in the primary's.
			assertThat(denied.status()).as(denied.toString()).isEqualTo(402);
			// Within the bound, reports and the feed come from the standby, as they were
			// at its last replay.
			Api.Response staleUsage = usage(budget);
			Api.Response staleEvents = api.get("/v1/events?budgetId=" + budget);
			boolean withinBound = System.nanoTime() - stale < MAX_LAG.toNanos() / 2;
			assertThat(withinBound).as("the stale reads ran well within max-lag (machine too slow?)").isTrue();
			assertThat(spend(staleUsage)).isEqualTo("0.40");
			assertThat(staleEvents.json().get("items").toString()).doesNotContain("reservation.denied");

			// Beyond the bound, the primary answers: everything is there.
			double lagging = reads("primary", "lagging");
			await().atMost(MAX_LAG.multipliedBy(4))
				.pollInterval(Duration.ofMillis(250))
				.untilAsserted(() -> assertThat(spend(usage(budget))).isEqualTo("0.90"));
			assertThat(api.get("/v1/events?budgetId=" + budget).json().get("items").toString())
				.contains("reservation.denied");
			assertThat(reads("primary", "lagging")).isGreaterThan(lagging);
			assertThat(System.nanoTime() - stale).isGreaterThanOrEqualTo(MAX_LAG.toNanos() / 2);
		}
		finally {
			pair().replay(true);
		}

		// Caught up again, the standby serves, with everything.
		pair().awaitCaughtUp();
		double replicaReads = reads("replica", "fresh");
		assertThat(spend(usage(budget))).isEqualTo("0.90");
		assertThat(reads("replica", "fresh")).isEqualTo(replicaReads + 1);
	}

	@Test
	@Order(2)
	void whenTheStandbyIsGoneThePrimaryAnswers() {
		UUID budget = createBudget("1.00");
		spend(budget, "0.25");
		pair().stopStandby();
		double unavailable = reads("primary", "unavailable") + reads("primary", "failed");

		assertThat(spend(usage(budget))).isEqualTo("0.25");
		assertThat(api.get("/v1/events?budgetId=" + budget).status()).isEqualTo(200);
		assertThat(reads("primary", "unavailable") + reads("primary", "failed")).isGreaterThan(unavailable);
	}

	private static UUID createBudget(String limit) {
		Api.Response response = api.post("/v1/budgets", Map.of("name", "replica", "limit", limit));
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return UUID.fromString(response.text("id"));
	}

	/** Reserves and settles {@code amount} on the budget. */
	private static void spend(UUID budget, String amount) {
		Api.Response hold = api.post("/v1/reservations", Map.of("budgetId", budget, "amount", amount));
		assertThat(hold.status()).as(hold.toString()).isEqualTo(201);
		Api.Response settled = api.post("/v1/reservations/" + hold.text("id") + "/settle", Map.of("amount", amount));
		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
	}

	private static Api.Response usage(UUID budget) {
		Api.Response usage = api.get("/v1/budgets/" + budget + "/usage?groupBy=model");
		assertThat(usage.status()).as(usage.toString()).isEqualTo(200);
		return usage;
	}

	/**
	 * The report's total spend, to two decimals (amounts come with the scale they were
	 * computed in).
	 */
	private static String spend(Api.Response usage) {
		return new BigDecimal(usage.json().get("total").get("spend").asString()).setScale(2).toPlainString();
	}

	private static void commitSomething() throws SQLException {
		try (Connection primary = pair().primary(); Statement statement = primary.createStatement()) {
			// An xid makes the commit a replayed commit with a timestamp.
			statement.execute("SELECT txid_current()");
		}
	}

	private static double reads(String servedBy, String reason) {
		Counter counter = service().getBean(MeterRegistry.class)
			.find("budget_ledger.replica.reads")
			.tags("served_by", servedBy, "reason", reason)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static StreamingPair pair() {
		assertThat(pair).isNotNull();
		return pair;
	}

	private static ConfigurableApplicationContext service() {
		assertThat(service).isNotNull();
		return service;
	}

}
