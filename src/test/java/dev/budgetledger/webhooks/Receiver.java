package dev.budgetledger.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every
 * request and answers what the test scripted (then {@link #otherwise}).
 */
final class Receiver implements AutoCloseable {

	record Request(Map<String, List<String>> headers, String body) {

		String header(String name) {
			return this.headers.entrySet()
				.stream()
				.filter(e -> e.getKey().equalsIgnoreCase(name))
				.map(e -> e.getValue().get(0))
				.findFirst()
				.orElseThrow(() -> new AssertionError("No header " + name + " in " + this.headers));
		}

	}

	record Answer(int status, Map<String, String> headers, String body) {
	}

	private final HttpServer server;

	private final List<Request> requests = new CopyOnWriteArrayList<>();

	private final Deque<Answer> script = new ArrayDeque<>();

	private volatile Answer otherwise = new Answer(200, Map.of(), "ok");

	private volatile long delayMillis;

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger mostInFlight = new AtomicInteger();

	Receiver() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.setExecutor(Executors.newFixedThreadPool(8));
		this.server.createContext("/", exchange -> {
			// In flight until the answer starts: the caller cannot send its next request
			// before that.
			this.mostInFlight.accumulateAndGet(this.inFlight.incrementAndGet(), Math::max);
			try {
				take(exchange);
			}
			finally {
				this.inFlight.decrementAndGet();
			}
			answer(exchange);
		});
		this.server.start();
	}

	private void take(HttpExchange exchange) throws IOException {
		try (InputStream in = exchange.getRequestBody()) {
			this.requests.add(new Request(Map.copyOf(exchange.getRequestHeaders()),
					new String(in.readAllBytes(), StandardCharsets.UTF_8)));
		}
		if (this.delayMillis > 0) {
			try {
				Thread.sleep(this.delayMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private void answer(HttpExchange exchange) throws IOException {
		Answer answer;
		synchronized (this.script) {
			answer = this.script.isEmpty() ? this.otherwise : this.script.poll();
		}
		answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
		byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/hook";
	}

	/** The next answers, in order; after them, {@link #otherwise}. */
	Receiver answer(int... statuses) {
		synchronized (this.script) {
			for (int status : statuses) {
				this.script.add(new Answer(status, Map.of(), "status " + status));
			}
		}
		return this;
	}

	Receiver answer(Answer answer) {
		synchronized (this.script) {
			this.script.add(answer);
		}
		return this;
	}

	Receiver otherwise(int status, String body) {
		this.otherwise = new Answer(status, Map.of(), body);
		return this;
	}

	Receiver slow(long millis) {
		this.delayMillis = millis;
		return this;
	}

	/** The most requests this receiver was answering at the same moment. */
	int mostInFlight() {
		return this.mostInFlight.get();
	}

	List<Request> requests() {
		return List.copyOf(this.requests);
	}

	@Override
	public void close() {
		// stop() waits for the server's dispatcher thread, up to a second: let it do that
		// on its own time.
		Thread stopper = new Thread(() -> {
			this.server.stop(0);
			((ExecutorService) this.server.getExecutor()).shutdownNow();
		});
		stopper.setDaemon(true);
		stopper.start();
	}

}
