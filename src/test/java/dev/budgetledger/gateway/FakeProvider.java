package dev.budgetledger.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local HTTP server that answers like an LLM provider: the only thing the gateway tests
 * fake. It records what reached it and answers as the test scripted: a whole answer or a
 * stream with the usage it is given, an error status, silence, a stream cut short, a slow
 * stream, or a stream held at a gate.
 */
abstract class FakeProvider implements AutoCloseable {

	static final JsonMapper json = JsonMapper.builder().build();

	static {
		// Without TCP_NODELAY the JDK server's small writes meet the client's delayed
		// ACK: 40 ms a call, which would
		// swamp what the gateway adds (GatewayBenchmark). Read once, when the first
		// server is made.
		System.setProperty("sun.net.httpserver.nodelay", "true");
	}

	/** What the provider does with the next requests. */
	enum Mode {

		ANSWER, FAIL_500, HANG, BREAK_MID_STREAM, SLOW_STREAM,
		/**
		 * The next request's connection is closed at once with no answer (a stale
		 * kept-alive connection); then ANSWER.
		 */
		DROP_ONCE,
		/**
		 * Every request's connection is closed with no answer after a second (a dropped
		 * call).
		 */
		DROP_LATE

	}

	private final HttpServer server;

	private final ExecutorService threads = Executors.newCachedThreadPool();

	final List<Received> received = new CopyOnWriteArrayList<>();

	final AtomicInteger streamsCut = new AtomicInteger();

	volatile Mode mode = Mode.ANSWER;

	/** Whether requests are kept for the test to look at (the benchmark turns it off). */
	volatile boolean recording = true;

	volatile Usage usage = new Usage(100, 20, 0, 0, 0);

	/** Pieces of text a streamed answer is made of. */
	volatile int pieces = 5;

	volatile Duration pause = Duration.ofMillis(100);

	/**
	 * When set, every request waits here (after it is recorded) before it is answered.
	 */
	volatile CountDownLatch gate;

	FakeProvider(String path) {
		try {
			this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		this.server.setExecutor(this.threads);
		this.server.createContext(path, this::handle);
		this.server.start();
	}

	String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	void reset() {
		this.received.clear();
		this.streamsCut.set(0);
		this.mode = Mode.ANSWER;
		this.usage = new Usage(100, 20, 0, 0, 0);
		this.pieces = 5;
		this.pause = Duration.ofMillis(100);
		this.gate = null;
	}

	Received last() {
		return this.received.get(this.received.size() - 1);
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			JsonNode body = json.readTree(exchange.getRequestBody().readAllBytes());
			Map<String, List<String>> headers = Map.copyOf(exchange.getRequestHeaders());
			if (this.recording) {
				this.received.add(new Received(exchange.getRequestURI().getPath(), headers, body));
			}
			CountDownLatch waitFor = this.gate;
			if (waitFor != null) {
				waitFor.await(30, TimeUnit.SECONDS);
			}
			switch (this.mode) {
				case DROP_ONCE -> this.mode = Mode.ANSWER; // closing the exchange
															// unanswered closes its
															// connection
				case DROP_LATE -> Thread.sleep(1000);
				case FAIL_500 -> send(exchange, 500, error("server_error", "The server had an error"));
				case HANG -> {
					Thread.sleep(10_000);
					send(exchange, 200, answer(exchange.getRequestURI().getPath(), body));
				}
				default -> {
					if (body.path("stream").asBoolean(false)) {
						stream(exchange, exchange.getRequestURI().getPath(), body);
					}
					else {
						send(exchange, 200, answer(exchange.getRequestURI().getPath(), body));
					}
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void send(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "application/json");
		exchange.getResponseHeaders().add("x-request-id", "req_fake");
		exchange.sendResponseHeaders(status, bytes.length);
		exchange.getResponseBody().write(bytes);
	}

	private void stream(HttpExchange exchange, String path, JsonNode request) throws IOException, InterruptedException {
		exchange.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
		boolean cut = this.mode == Mode.BREAK_MID_STREAM;
		// A cut stream promises more bytes than it sends, so the connection ends
		// mid-body.
		exchange.sendResponseHeaders(200, cut ? 1_000_000 : 0);
		OutputStream out = exchange.getResponseBody();
		List<String> events = events(path, request);
		int sent = 0;
		try {
			for (String event : events) {
				out.write(event.getBytes(StandardCharsets.UTF_8));
				out.flush();
				sent++;
				if (cut && sent == 3) {
					this.streamsCut.incrementAndGet();
					throw new IOException("cut");
				}
				if (this.mode == Mode.SLOW_STREAM) {
					Thread.sleep(this.pause.toMillis());
				}
			}
		}
		catch (IOException ex) {
			if (!cut) {
				// the gateway hung up: the caller went away and the gateway stopped
				// reading
				this.streamsCut.incrementAndGet();
			}
			throw ex;
		}
	}

	/** The events of a streamed answer to {@code request}, as the provider sends them. */
	abstract List<String> events(String path, JsonNode request);

	/** A whole answer to {@code request}. */
	abstract String answer(String path, JsonNode request);

	abstract String error(String type, String message);

	@Override
	public void close() {
		this.server.stop(0);
		this.threads.shutdownNow();
	}

	record Received(String path, Map<String, List<String>> headers, JsonNode body) {

		String header(String name) {
			return this.headers.entrySet()
				.stream()
				.filter(entry -> entry.getKey().equalsIgnoreCase(name))
				.map(entry -> entry.getValue().get(0))
				.findFirst()
				.orElse(null);
		}

	}

	/**
	 * Usage as the provider reports it: input here includes cached input, output includes
	 * reasoning (OpenAI).
	 */
	record Usage(long input, long output, long cached, long cacheWrite, long reasoning) {
	}

}
