package dev.budgetledger.client.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP proxy in front of the real service that misbehaves a set number of times first: it either passes the
 * request on and then drops the connection without the answer (the service did the work, the caller never heard),
 * or answers 503 {@code LOCK_TIMEOUT} itself without passing the request on. It records what went through.
 */
public final class FlakyProxy implements AutoCloseable {

	public enum Fault {

		/** Forward the request, then close the connection without answering. */
		LOSE_ANSWER,

		/** Answer 503 without forwarding. */
		UNAVAILABLE

	}

	/** One request as the service saw it, and the service's answer. */
	public record Forwarded(String idempotencyKey, int status, boolean replayed) {
	}

	private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "host", "upgrade",
			"expect", "transfer-encoding");

	private final HttpServer server;

	private final URI target;

	private final Fault fault;

	private final AtomicInteger faultsLeft;

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final List<Forwarded> forwarded = new CopyOnWriteArrayList<>();

	private final List<String> keysSeen = new CopyOnWriteArrayList<>();

	public FlakyProxy(URI target, Fault fault, int times) {
		this.target = target;
		this.fault = fault;
		this.faultsLeft = new AtomicInteger(times);
		try {
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		this.server.createContext("/", this::handle);
		this.server.start();
	}

	public URI uri() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort());
	}

	/** The Idempotency-Key of every request that reached the proxy, in order. */
	public List<String> keysSeen() {
		return List.copyOf(this.keysSeen);
	}

	/** The requests passed on to the service, in order. */
	public List<Forwarded> forwarded() {
		return List.copyOf(this.forwarded);
	}

	private void handle(HttpExchange exchange) throws IOException {
		String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
		this.keysSeen.add(String.valueOf(key));
		byte[] body = exchange.getRequestBody().readAllBytes();
		boolean misbehave = this.faultsLeft.getAndDecrement() > 0;
		if (misbehave && this.fault == Fault.UNAVAILABLE) {
			byte[] problem = ("{\"type\":\"https://budget-ledger.dev/problems/lock-timeout\",\"title\":\"Lock timeout\","
					+ "\"status\":503,\"code\":\"LOCK_TIMEOUT\"}").getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
			exchange.getResponseHeaders().set("Retry-After", "0");
			exchange.sendResponseHeaders(503, problem.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(problem);
			}
			return;
		}
		HttpRequest.Builder request = HttpRequest.newBuilder(this.target.resolve(exchange.getRequestURI().toString()))
			.method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
		exchange.getRequestHeaders().forEach((name, values) -> {
			if (!HOP_HEADERS.contains(name.toLowerCase())) {
				values.forEach(value -> request.header(name, value));
			}
		});
		HttpResponse<byte[]> response;
		try {
			response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException(ex);
		}
		this.forwarded.add(new Forwarded(String.valueOf(key), response.statusCode(),
				response.headers().firstValue("Idempotent-Replayed").map("true"::equals).orElse(false)));
		if (misbehave) {
			// The service has done the work; the caller gets a dropped connection instead of its answer.
			exchange.close();
			return;
		}
		response.headers().map().forEach((name, values) -> {
			if (!HOP_HEADERS.contains(name.toLowerCase()) && !name.startsWith(":")) {
				exchange.getResponseHeaders().put(name, values);
			}
		});
		exchange.sendResponseHeaders(response.statusCode(), (response.body().length == 0) ? -1 : response.body().length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(response.body());
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
