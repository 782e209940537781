package dev.budgetledger.client.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The only fake in the client's tests: a local HTTP server that answers {@code POST /v1/chat/completions} the way
 * the OpenAI chat completions API does (plain and {@code stream: true} with a final usage chunk), reporting the
 * usage it is told to (or none), streaming as slowly as it is told to. It records every request body it got.
 */
public final class FakeOpenAi implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpServer server;

	private final List<Map<String, Object>> requests = new CopyOnWriteArrayList<>();

	private volatile int promptTokens = 50;

	private volatile int completionTokens = 20;

	private volatile int failWithStatus;

	private volatile boolean omitUsage;

	private volatile Duration pause = Duration.ZERO;

	public FakeOpenAi() {
		try {
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		this.server.createContext("/v1/chat/completions", this::answer);
		this.server.start();
	}

	/** What Spring AI's OpenAI model takes as its base URL. */
	public String baseUrl() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/v1";
	}

	/** The usage the next answers report. */
	public FakeOpenAi reportUsage(int promptTokens, int completionTokens) {
		this.promptTokens = promptTokens;
		this.completionTokens = completionTokens;
		return this;
	}

	/** Answers every request with this HTTP status and an OpenAI error body (0: answer normally). */
	public FakeOpenAi failWith(int status) {
		this.failWithStatus = status;
		return this;
	}

	/** Answers (and streams) without usage, as a provider or proxy that drops it would. */
	public FakeOpenAi omitUsage() {
		this.omitUsage = true;
		return this;
	}

	/** Sends each streamed event this long after the one before, as a slow model does. */
	public FakeOpenAi pauseBetweenEvents(Duration pause) {
		this.pause = pause;
		return this;
	}

	public List<Map<String, Object>> requests() {
		return List.copyOf(this.requests);
	}

	private void answer(HttpExchange exchange) throws IOException {
		try (exchange) {
			Map<String, Object> request = JSON.readValue(exchange.getRequestBody().readAllBytes(),
					new TypeReference<Map<String, Object>>() {
					});
			this.requests.add(request);
			String model = String.valueOf(request.get("model"));
			if (this.failWithStatus != 0) {
				send(exchange, this.failWithStatus, "application/json", JSON.writeValueAsString(Map.of("error",
						Map.of("message", "the fake LLM was told to fail", "type", "server_error", "code", "fake"))));
			}
			else if (Boolean.TRUE.equals(request.get("stream"))) {
				List<String> events = new java.util.ArrayList<>();
				for (String piece : List.of("Hello", " from", " the fake")) {
					events.add(JSON.writeValueAsString(chunk(model, piece, null)));
				}
				events.add(JSON.writeValueAsString(chunk(model, null, "stop")));
				if (!this.omitUsage) {
					Map<String, Object> usageChunk = new java.util.LinkedHashMap<>(chunk(model, null, null));
					usageChunk.put("choices", List.of());
					usageChunk.put("usage", usage());
					events.add(JSON.writeValueAsString(usageChunk));
				}
				events.add("[DONE]");
				exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
				exchange.sendResponseHeaders(200, 0);
				try (OutputStream out = exchange.getResponseBody()) {
					for (String event : events) {
						if (!this.pause.isZero()) {
							Thread.sleep(this.pause.toMillis());
						}
						out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
						out.flush();
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			else {
				Map<String, Object> message = Map.of("role", "assistant", "content", "Hello from the fake LLM");
				Map<String, Object> choice = Map.of("index", 0, "message", message, "finish_reason", "stop");
				Map<String, Object> answer = new java.util.LinkedHashMap<>(Map.of("id", "chatcmpl-fake", "object",
						"chat.completion", "created", 1_700_000_000, "model", model, "choices", List.of(choice)));
				if (!this.omitUsage) {
					answer.put("usage", usage());
				}
				send(exchange, 200, "application/json", JSON.writeValueAsString(answer));
			}
		}
	}

	private Map<String, Object> chunk(String model, String content, String finishReason) {
		Map<String, Object> delta = (content != null) ? Map.of("role", "assistant", "content", content) : Map.of();
		Map<String, Object> choice = new java.util.LinkedHashMap<>();
		choice.put("index", 0);
		choice.put("delta", delta);
		choice.put("finish_reason", finishReason);
		return Map.of("id", "chatcmpl-fake", "object", "chat.completion.chunk", "created", 1_700_000_000, "model",
				model, "choices", List.of(choice));
	}

	private Map<String, Object> usage() {
		return Map.of("prompt_tokens", this.promptTokens, "completion_tokens", this.completionTokens, "total_tokens",
				this.promptTokens + this.completionTokens);
	}

	private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", contentType);
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
