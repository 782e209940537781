package dev.budgetledger.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.BudgetLedgerApplication;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the gateway adds to an LLM call: the same chat completion sent straight to a fake
 * OpenAI and through the gateway to that same fake, in the same run, alternating rounds,
 * with the same concurrency; latency percentiles of both, their difference, and the
 * gateway's throughput (docs/benchmarks.md, "Gateway").
 * <p>
 * Not a test: surefire only runs {@code *Tests}. Run it with
 * {@code ./mvnw -Pbench verify -Dit.test=GatewayBenchmark} (PostgreSQL on 127.0.0.1:5432;
 * a fresh database is made and dropped). Settings: {@code -Dbench.clients},
 * {@code -Dbench.seconds} (per round), {@code -Dbench.rounds}.
 */
class GatewayBenchmark {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final java.util.concurrent.atomic.AtomicInteger ERRORS = new java.util.concurrent.atomic.AtomicInteger();

	private static final String ADMIN_KEY = "bl_live_gatewayBenchmarkAdminKey0123456789abcdefghi";

	@Test
	void gatewayAddedLatency() throws Exception {
		int clients = Integer.getInteger("bench.clients", 8);
		int seconds = Integer.getInteger("bench.seconds", 10);
		int rounds = Integer.getInteger("bench.rounds", 3);
		String server = System.getProperty("bench.serverUrl", "jdbc:postgresql://127.0.0.1:5432/postgres");
		String user = System.getProperty("bench.username", "postgres");
		String password = System.getProperty("bench.password", "postgres");
		String database = "bench_gateway_" + UUID.randomUUID().toString().replace("-", "");
		sql(server, user, password, "CREATE DATABASE " + database);
		try (FakeOpenAi provider = new FakeOpenAi()) {
			provider.recording = false;
			provider.pieces = 20;
			try (ConfigurableApplicationContext service = new SpringApplicationBuilder(BudgetLedgerApplication.class)
				.run("--server.port=0", "--server.address=127.0.0.1",
						"--spring.datasource.url=" + server.substring(0, server.lastIndexOf('/') + 1) + database,
						"--spring.datasource.username=" + user, "--spring.datasource.password=" + password,
						"--budget-ledger.security.admin-key=" + ADMIN_KEY,
						"--budget-ledger.security.rate-limit.requests-per-second=1000000",
						"--budget-ledger.security.rate-limit.burst=1000000",
						"--budget-ledger.gateway.openai.base-url=" + provider.url() + "/v1",
						"--budget-ledger.gateway.openai.api-key=sk-bench", "--logging.level.root=WARN")) {
				int port = ((WebServerApplicationContext) service).getWebServer().getPort();
				String gateway = "http://127.0.0.1:" + port;
				HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
				String[] keyAndBudget = setUp(http, gateway);
				String key = keyAndBudget[0];
				Target direct = new Target("direct", provider.url() + "/v1/chat/completions", "sk-bench");
				Target through = new Target("gateway", gateway + "/openai/v1/chat/completions", key);
				StringBuilder report = new StringBuilder();
				for (boolean stream : new boolean[] { false, true }) {
					// Warm-up: JIT, connection pools, the key cache.
					run(http, direct, stream, clients, Math.max(2, seconds / 2));
					run(http, through, stream, clients, Math.max(2, seconds / 2));
					List<Long> directNanos = new ArrayList<>();
					List<Long> gatewayNanos = new ArrayList<>();
					long gatewayCalls = 0;
					double gatewaySeconds = 0;
					for (int round = 0; round < rounds; round++) {
						directNanos.addAll(run(http, direct, stream, clients, seconds).latencies());
						Round measured = run(http, through, stream, clients, seconds);
						gatewayNanos.addAll(measured.latencies());
						gatewayCalls += measured.latencies().size();
						gatewaySeconds += measured.seconds();
					}
					report.append(line(stream ? "streamed" : "whole", clients, directNanos, gatewayNanos,
							gatewayCalls / gatewaySeconds));
				}
				run(http, new Target("api", gateway, key, keyAndBudget[1]), false, clients, Math.max(2, seconds / 2));
				Round api = run(http, new Target("api", gateway, key, keyAndBudget[1]), false, clients, seconds);
				long[] apiNanos = sorted(api.latencies());
				report.append(String.format(Locale.ROOT,
						"ledger API alone, reserve + settle over HTTP in the same run: p50 %6.2f ms p99 %6.2f ms (%d cycles)%n",
						ms(at(apiNanos, 0.50)), ms(at(apiNanos, 0.99)), apiNanos.length));
				report.append(serviceSide(http, gateway));
				report.append("connection errors retried (not timed): ").append(ERRORS.get()).append('\n');
				String header = String.format(Locale.ROOT,
						"gateway benchmark: %d clients, %d rounds of %d s per path, %d cores, chat completion of %d pieces%n",
						clients, rounds, seconds, Runtime.getRuntime().availableProcessors(), provider.pieces);
				System.out.print(header + report);
				Files.writeString(Path.of("target", "gateway-benchmark.txt"), header + report);
			}
		}
		finally {
			sql(server, user, password, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
		}
	}

	record Target(String name, String url, String key, String budgetId) {

		Target(String name, String url, String key) {
			this(name, url, key, "");
		}

	}

	record Round(List<Long> latencies, double seconds) {
	}

	/**
	 * {@code clients} threads calling {@code target} back to back for {@code seconds};
	 * each call's latency.
	 */
	private static Round run(HttpClient http, Target target, boolean stream, int clients, int seconds)
			throws Exception {
		String body = "{\"model\": \"gpt-4o-mini\", \"max_completion_tokens\": 200, \"stream\": " + stream
				+ ", \"messages\": [{\"role\": \"user\", \"content\": \"Say hello to the budget ledger\"}]}";
		HttpRequest request = HttpRequest.newBuilder(URI.create(target.url()))
			.header("Authorization", "Bearer " + target.key())
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		long start = System.nanoTime();
		long end = start + Duration.ofSeconds(seconds).toNanos();
		try {
			List<Future<List<Long>>> futures = new ArrayList<>();
			for (int i = 0; i < clients; i++) {
				futures.add(pool.submit(() -> {
					List<Long> latencies = new ArrayList<>();
					while (System.nanoTime() < end) {
						long sent = System.nanoTime();
						if (target.name().equals("api")) {
							reserveAndSettle(http, target);
							latencies.add(System.nanoTime() - sent);
							continue;
						}
						HttpResponse<String> response;
						try {
							response = http.send(request, HttpResponse.BodyHandlers.ofString());
						}
						catch (java.io.IOException ex) {
							// A kept-alive connection the server closed as it was reused;
							// counted, not timed.
							ERRORS.incrementAndGet();
							continue;
						}
						if (response.statusCode() != 200 || !response.body().contains("word19")) {
							throw new IllegalStateException(
									target.name() + " answered " + response.statusCode() + " " + response.body());
						}
						latencies.add(System.nanoTime() - sent);
					}
					return latencies;
				}));
			}
			List<Long> all = new ArrayList<>();
			for (Future<List<Long>> future : futures) {
				all.addAll(future.get());
			}
			return new Round(all, (System.nanoTime() - start) / 1e9);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static String line(String kind, int clients, List<Long> direct, List<Long> gateway, double throughput) {
		long[] d = sorted(direct);
		long[] g = sorted(gateway);
		return String.format(Locale.ROOT,
				"%-8s direct p50 %6.2f ms p99 %6.2f ms (%d calls) | gateway p50 %6.2f ms p99 %6.2f ms (%d calls) | "
						+ "added p50 %6.2f ms p99 %6.2f ms | gateway throughput %.0f calls/s with %d clients%n",
				kind, ms(at(d, 0.50)), ms(at(d, 0.99)), d.length, ms(at(g, 0.50)), ms(at(g, 0.99)), g.length,
				ms(at(g, 0.50) - at(d, 0.50)), ms(at(g, 0.99) - at(d, 0.99)), throughput, clients);
	}

	private static long[] sorted(List<Long> values) {
		long[] array = values.stream().mapToLong(Long::longValue).toArray();
		Arrays.sort(array);
		return array;
	}

	private static long at(long[] sorted, double quantile) {
		return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))];
	}

	private static double ms(long nanos) {
		return nanos / 1e6;
	}

	/**
	 * What the gateway does on the ledger for one call, through the reservation API:
	 * reserve, then settle.
	 */
	private static void reserveAndSettle(HttpClient http, Target target) throws Exception {
		JsonNode hold = post(http, target.url() + "/v1/reservations", target.key(), "{\"budgetId\": \""
				+ target.budgetId() + "\", \"model\": \"gpt-4o-mini\", \"inputTokens\": 13, \"maxOutputTokens\": 200}");
		post(http, target.url() + "/v1/reservations/" + hold.get("id").asString() + "/settle", target.key(),
				"{\"inputTokens\": 100, \"outputTokens\": 20}");
	}

	/**
	 * The gateway's own split of its time, from its metrics: mean upstream and mean
	 * overhead per call.
	 */
	private static String serviceSide(HttpClient http, String gateway) throws Exception {
		String metrics = http
			.send(HttpRequest.newBuilder(URI.create(gateway + "/actuator/prometheus"))
				.header("Authorization", "Bearer " + ADMIN_KEY)
				.build(), HttpResponse.BodyHandlers.ofString())
			.body();
		return String.format(Locale.ROOT,
				"service side (all calls): upstream mean %.2f ms, gateway overhead mean %.2f ms%n",
				mean(metrics, "budget_ledger_gateway_upstream_seconds"),
				mean(metrics, "budget_ledger_gateway_overhead_seconds"));
	}

	private static double mean(String metrics, String name) {
		double sum = 0;
		double count = 0;
		for (String line : metrics.split("\n")) {
			if (line.startsWith(name + "_sum{")) {
				sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
			}
			if (line.startsWith(name + "_count{")) {
				count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
			}
		}
		return (count == 0) ? Double.NaN : sum / count * 1000;
	}

	private static String[] setUp(HttpClient http, String gateway) throws Exception {
		JsonNode budget = post(http, gateway + "/v1/budgets", ADMIN_KEY,
				"{\"name\": \"bench\", \"limit\": \"1000000\"}");
		JsonNode key = post(http, gateway + "/v1/api-keys", ADMIN_KEY,
				"{\"name\": \"bench\", \"role\": \"CLIENT\", \"budgetId\": \"" + budget.get("id").asString() + "\"}");
		return new String[] { key.get("secret").asString(), budget.get("id").asString() };
	}

	private static JsonNode post(HttpClient http, String url, String key, String body) throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
			.header("Authorization", "Bearer " + key)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
		return json.readTree(response.body());
	}

	private static void sql(String url, String user, String password, String statement) throws Exception {
		try (Connection connection = DriverManager.getConnection(url, user, password);
				Statement sql = connection.createStatement()) {
			sql.execute(statement);
		}
	}

}
