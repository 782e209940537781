package dev.budgetledger.examples;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.support.IntegrationTest;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python and Node examples in {@code examples/}, run as a user runs them
 * ({@code python3 ...}, {@code node ...}) against this running service. Only the LLM is
 * faked: a local server that answers like the OpenAI chat completions API. Needs python3
 * and Node.js, so it is tagged e2e: it runs in {@code ./mvnw -Pe2e verify}, not in the
 * build that needs only a JDK.
 */
@Tag("e2e")
class ExamplesIntegrationTests extends IntegrationTest {

	enum Example {

		PYTHON("examples/python", "python3", "openai_call.py", "race.py"),

		NODE("examples/typescript", "node", "openai-call.mjs", "race.mjs");

		final Path directory;

		final String runtime;

		final String call;

		final String race;

		Example(String directory, String runtime, String call, String race) {
			this.directory = Path.of(directory);
			this.runtime = runtime;
			this.call = call;
			this.race = race;
		}

	}

	record Run(int exitCode, String output) {
	}

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static boolean nodeExamplesInstalled;

	@LocalServerPort
	private int port;

	private HttpServer llm;

	private final List<Map<String, Object>> llmRequests = new CopyOnWriteArrayList<>();

	@BeforeEach
	void startFakeLlm() throws IOException {
		this.llm = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.llm.createContext("/v1/chat/completions", this::answerLikeOpenAi);
		this.llm.start();
	}

	@AfterEach
	void stopFakeLlm() {
		this.llm.stop(0);
	}

	@ParameterizedTest
	@EnumSource(Example.class)
	void theWrapperHoldsBeforeTheCallAndChargesTheUsageTheLlmReported(Example example) throws Exception {
		UUID budget = createBudget("5.00");

		Run run = run(example, example.call, Map.of("BUDGET_ID", budget.toString(), "BUDGET_LEDGER_API_KEY",
				clientKey(budget), "MODEL", "gpt-4o-mini"));

		assertThat(run.exitCode()).as(run.output()).isZero();
		// 50 input tokens at 0.15 and 20 output tokens at 0.60 per million (gpt-4o-mini)
		assertThat(run.output()).contains("answer: Hello from the fake LLM", "charged 0.0000195");
		assertThat(this.llmRequests).singleElement().satisfies(request -> {
			assertThat(request.get("model")).isEqualTo("gpt-4o-mini");
			assertThat(request.get("max_tokens")).isEqualTo(200);
		});
		assertReconciled(budget, "0.0000195", "0");
	}

	@ParameterizedTest
	@EnumSource(Example.class)
	void aDeniedReserveStopsTheCallBeforeTheLlmIsAsked(Example example) throws Exception {
		UUID budget = createBudget("0.00001");

		Run run = run(example, example.call, Map.of("BUDGET_ID", budget.toString(), "BUDGET_LEDGER_API_KEY",
				clientKey(budget), "MODEL", "gpt-4o-mini"));

		assertThat(run.exitCode()).as(run.output()).isEqualTo(3);
		assertThat(run.output()).contains("denied: INSUFFICIENT_FUNDS");
		assertThat(this.llmRequests).isEmpty();
		assertReconciled(budget, "0", "0");
	}

	@ParameterizedTest
	@EnumSource(Example.class)
	void theRaceScriptShowsTheNaiveCounterOvershootingAndTheServiceHoldingTheCap(Example example) throws Exception {
		Run run = run(example, example.race, Map.of("BUDGET_LEDGER_API_KEY", ADMIN_KEY, "CALLS", "10"));

		assertThat(run.exitCode()).as(run.output()).isZero();
		// How many pass the naive check depends on thread timing; that more pass than fit
		// does not.
		assertThat(run.output()).containsPattern(
				"naive counter: ([3-9]|10) of 10 calls allowed, spent 5\\.0[0-9]*[1-9]0* of 5\\.0+ \\(OVER THE CAP\\)")
			.containsPattern("budget-ledger: 2 of 10 calls allowed, spent 4\\.9980*\\b")
			.contains("cap held by budget-ledger: yes");
		assertLedgerReconciled();
	}

	/**
	 * The Node examples use the package in clients/typescript (and the openai package),
	 * as an application would: npm ci copies it in with its dependencies
	 * (examples/typescript/.npmrc). Once per run, so the copy is never older than the
	 * package.
	 */
	private static synchronized void installNodeExamples() throws Exception {
		if (nodeExamplesInstalled) {
			return;
		}
		List<String> command = List.of(System.getenv().getOrDefault("NPM", "npm"), "ci", "--no-audit", "--no-fund");
		Process process;
		try {
			process = new ProcessBuilder(command).directory(Example.NODE.directory.toFile())
				.redirectErrorStream(true)
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("The Node examples need npm on the PATH to install clients/typescript", ex);
		}
		String output;
		try (var in = process.getInputStream()) {
			output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		if (!process.waitFor(300, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException("npm ci in examples/typescript did not finish in 300 s");
		}
		assertThat(process.exitValue()).as("npm ci in examples/typescript:\n" + output).isZero();
		nodeExamplesInstalled = true;
	}

	private Run run(Example example, String script, Map<String, String> environment) throws Exception {
		if (example == Example.NODE) {
			installNodeExamples();
		}
		String runtime = (example == Example.PYTHON) ? PythonPackage.python() : example.runtime;
		List<String> command = new ArrayList<>(List.of(runtime, script));
		ProcessBuilder builder = new ProcessBuilder(command).directory(example.directory.toFile())
			.redirectErrorStream(true);
		builder.environment().put("BUDGET_LEDGER_URL", "http://127.0.0.1:" + this.port);
		builder.environment().put("OPENAI_BASE_URL", "http://127.0.0.1:" + this.llm.getAddress().getPort() + "/v1");
		builder.environment().put("OPENAI_API_KEY", "sk-fake");
		builder.environment().putAll(environment);
		Process process;
		try {
			process = builder.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("The examples need " + example.runtime + " on the PATH", ex);
		}
		Path output = Files.createTempFile("example-", ".log");
		try (var in = process.getInputStream()) {
			Files.write(output, in.readAllBytes());
		}
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException(script + " did not finish in 60 s");
		}
		return new Run(process.exitValue(), Files.readString(output));
	}

	private void answerLikeOpenAi(HttpExchange exchange) throws IOException {
		try (exchange) {
			Map<String, Object> request = JSON.readValue(exchange.getRequestBody().readAllBytes(),
					new TypeReference<Map<String, Object>>() {
					});
			this.llmRequests.add(request);
			Map<String, Object> message = Map.of("role", "assistant", "content", "Hello from the fake LLM");
			byte[] body = JSON
				.writeValueAsString(Map.of("id", "chatcmpl-fake", "object", "chat.completion", "created", 1_700_000_000,
						"model", request.get("model"), "choices",
						List.of(Map.of("index", 0, "message", message, "finish_reason", "stop")), "usage",
						Map.of("prompt_tokens", 50, "completion_tokens", 20, "total_tokens", 70)))
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		}
	}

	/**
	 * The Python examples use the budget_ledger package (clients/python) and the official
	 * openai SDK, installed as a user installs them: into a venv under target/ (kept
	 * between runs; the package itself is reinstalled from the working tree every run),
	 * from the machine's package index.
	 */
	static final class PythonPackage {

		private static final Path VENV = Path.of("target", "python-examples-venv");

		private static String python;

		private PythonPackage() {
		}

		static synchronized String python() throws Exception {
			if (python == null) {
				Path bin = VENV.toAbsolutePath().resolve("bin");
				if (!Files.exists(bin.resolve("python"))) {
					exec(List.of("python3", "-m", "venv", VENV.toAbsolutePath().toString()));
				}
				exec(List.of(bin.resolve("pip").toString(), "install", "--quiet", "--disable-pip-version-check",
						"--retries", "0", "--timeout", "15", "./clients/python[openai]"));
				python = bin.resolve("python").toString();
			}
			return python;
		}

		private static void exec(List<String> command) throws Exception {
			Path log = Files.createTempFile("python-examples-", ".log");
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
				process.destroyForcibly();
				throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(log));
			}
		}

	}

}
