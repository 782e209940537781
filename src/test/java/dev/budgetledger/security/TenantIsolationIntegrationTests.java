package dev.budgetledger.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenants cannot hurt each other: a key's requests aimed at another tenant's budget are
 * refused before they lock anything or join that tenant's batches, so they neither wait
 * for the victim's locks nor slow the victim down.
 */
class TenantIsolationIntegrationTests extends IntegrationTest {

	@Autowired
	DataSource dataSource;

	@LocalServerPort
	int port;

	private final ExecutorService threads = Executors.newCachedThreadPool();

	@AfterEach
	void stopThreads() {
		this.threads.shutdownNow();
	}

	@Test
	void requestsAimedAtAnotherTenantAreRefusedBeforeTheyTakeAnyLock() throws Exception {
		UUID victim = createBudget("100");
		UUID hold = reserveAllowed(victim, "1.00");
		Api attacker = this.api.as(clientKey(createBudget("100")));

		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			// The victim's budget row is locked, as by a long batch or an admin change.
			try (PreparedStatement lock = connection
				.prepareStatement("SELECT id FROM budgets WHERE id = ? FOR UPDATE")) {
				lock.setObject(1, victim);
				lock.executeQuery().close();
			}
			long start = System.nanoTime();
			Api.Response reserve = attacker.post("/v1/reservations", Map.of("budgetId", victim, "amount", "1"));
			Api.Response settle = attacker.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "1"));
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			connection.rollback();

			assertThat(reserve.status()).as(reserve.toString()).isEqualTo(404);
			assertThat(reserve.text("code")).isEqualTo("BUDGET_NOT_FOUND");
			assertThat(settle.status()).as(settle.toString()).isEqualTo(404);
			assertThat(settle.text("code")).isEqualTo("RESERVATION_NOT_FOUND");
			// Waiting for the lock would take the lock timeout (2 s) for each.
			assertThat(millis).as("both answered without waiting for the victim's lock").isLessThan(1500);
		}
		assertThat(reservation(hold).text("status")).isEqualTo("HELD");
	}

	/**
	 * The attack of the review: a second tenant sends 50 invalid reserves a second at a
	 * victim's budget while the victim reserves and settles in a loop. Idle slices,
	 * slices with 50 harmless requests a second (health checks: what any load costs on a
	 * shared machine) and attacked slices alternate, so the machine's own noise hits all
	 * alike; the figures are printed side by side. The attack must cost the victim no
	 * more than harmless load does, give or take noise; on the old code it locked the
	 * victim's rows and rolled back the victim's batches.
	 */
	@Test
	void anotherTenantsInvalidReservesLeaveAVictimsLatencyAndThroughputAsWhenIdle() throws Exception {
		UUID victimBudget = createBudget("1000000");
		Api victim = this.api.as(clientKey(victimBudget));
		String attackerKey = clientKey(createBudget("100"));
		// The other requests go out raw: checked against openapi.yaml, as every Api
		// exchange is, they would cost this
		// JVM more CPU than the service spends answering them, and measure the test
		// instead of the service.
		HttpClient raw = HttpClient.newHttpClient();
		HttpRequest invalid = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/v1/reservations"))
			.header("Authorization", "Bearer " + attackerKey)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(Api.json(Map.of("budgetId", victimBudget, "amount", "0.01"))))
			.build();
		HttpRequest harmless = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/health"))
			.build();
		// Warm-up: JIT, connections, caches.
		run(victim, victimBudget, 1500);

		Map<String, List<Long>> latencies = new java.util.LinkedHashMap<>();
		Map<String, Integer> cycles = new java.util.LinkedHashMap<>();
		AtomicInteger attacks = new AtomicInteger();
		for (int slice = 0; slice < 4; slice++) {
			for (String condition : List.of("idle", "harmless load", "attacked")) {
				AtomicBoolean sending = new AtomicBoolean(true);
				HttpRequest other = condition.equals("attacked") ? invalid : harmless;
				int expected = condition.equals("attacked") ? 404 : 200;
				Future<?> load = condition.equals("idle") ? null : this.threads.submit(() -> {
					long next = System.nanoTime();
					while (sending.get()) {
						assertThat(raw.send(other, HttpResponse.BodyHandlers.discarding()).statusCode())
							.isEqualTo(expected);
						if (expected == 404) {
							attacks.incrementAndGet();
						}
						next += TimeUnit.MILLISECONDS.toNanos(20); // 50 a second
						long sleep = next - System.nanoTime();
						if (sleep > 0) {
							TimeUnit.NANOSECONDS.sleep(sleep);
						}
					}
					return null;
				});
				Slice measured = run(victim, victimBudget, 1500);
				sending.set(false);
				if (load != null) {
					load.get(30, TimeUnit.SECONDS);
				}
				latencies.computeIfAbsent(condition, c -> new ArrayList<>()).addAll(measured.latencies());
				cycles.merge(condition, measured.cycles(), Integer::sum);
			}
		}

		StringBuilder figures = new StringBuilder("Tenant isolation, victim reserve p50 and reserve+settle cycles:");
		latencies.forEach((condition, nanos) -> figures
			.append(String.format(" %s %.2f ms %.1f/s;", condition, p50(nanos), cycles.get(condition) / 6.0)));
		System.out.println(figures + " (" + attacks.get() + " invalid reserves of another tenant at 50/s)");
		assertThat(attacks.get()).isGreaterThan(200);
		double loadP50 = p50(latencies.get("harmless load"));
		double attackedP50 = p50(latencies.get("attacked"));
		// Noise on a loaded shared machine is tens of percent; the attack on the old code
		// doubled the p50 and cut
		// the rate by a third or more.
		assertThat(attackedP50).isLessThan(Math.max(loadP50, p50(latencies.get("idle"))) * 1.5 + 2);
		assertThat((double) cycles.get("attacked")).isGreaterThan(0.67 * cycles.get("harmless load"));
		assertLedgerReconciled();
	}

	private record Slice(List<Long> latencies, int cycles) {
	}

	/**
	 * Reserves and settles on the victim's budget, one after the other, for
	 * {@code millis}.
	 */
	private Slice run(Api victim, UUID budget, long millis) {
		List<Long> latencies = new ArrayList<>();
		int cycles = 0;
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		while (System.nanoTime() < end) {
			long start = System.nanoTime();
			Api.Response held = victim.post("/v1/reservations", Map.of("budgetId", budget, "amount", "0.01"));
			latencies.add(System.nanoTime() - start);
			assertThat(held.status()).as(held.toString()).isEqualTo(201);
			Api.Response settled = victim.post("/v1/reservations/" + held.text("id") + "/settle",
					Map.of("amount", "0.01"));
			assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
			cycles++;
		}
		return new Slice(latencies, cycles);
	}

	private static double p50(List<Long> nanos) {
		List<Long> sorted = new ArrayList<>(nanos);
		Collections.sort(sorted);
		return sorted.get(sorted.size() / 2) / 1_000_000.0;
	}

}
