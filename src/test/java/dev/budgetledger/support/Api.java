package dev.budgetledger.support;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP client for the running service: tests go through the real wire, headers and JSON included. Every
 * request carries {@code Authorization: Bearer <key>} with the client's API key; {@link #as} and
 * {@link #anonymous} give clients with another key or none.
 */
public final class Api {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String base;

	private final @Nullable String key;

	public Api(int port, @Nullable String key) {
		this("http://localhost:" + port, key);
	}

	private Api(String base, @Nullable String key) {
		this.base = base;
		this.key = key;
	}

	/** The same service, called with another API key. */
	public Api as(String key) {
		return new Api(this.base, key);
	}

	/** The same service, called without any API key. */
	public Api anonymous() {
		return new Api(this.base, null);
	}

	public static String json(Object body) {
		return (body instanceof String text) ? text : json.writeValueAsString(body);
	}

	public Response get(String path) {
		return send(HttpRequest.newBuilder(uri(path)).GET());
	}

	public Response delete(String path) {
		return send(HttpRequest.newBuilder(uri(path)).DELETE());
	}

	public Response post(String path, Object body, String... headers) {
		return send("POST", path, "application/json", json(body), headers);
	}

	public Response patch(String path, Object body) {
		return send("PATCH", path, "application/json", json(body));
	}

	public Response put(String path, Object body) {
		return send("PUT", path, "application/json", json(body));
	}

	/** Any method, content type and raw body, for the hostile-input tests. */
	public Response send(String method, String path, String contentType, String body, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
			.method(method, HttpRequest.BodyPublishers.ofString(body));
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		return send(request);
	}

	private URI uri(String path) {
		return URI.create(this.base + path);
	}

	private Response send(HttpRequest.Builder request) {
		if (this.key != null) {
			request.header("Authorization", "Bearer " + this.key);
		}
		try {
			HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
					HttpResponse.BodyHandlers.ofString());
			return new Response(response);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public record Response(HttpResponse<String> raw) {

		public int status() {
			return this.raw.statusCode();
		}

		public String body() {
			return this.raw.body();
		}

		public JsonNode json() {
			return Api.json.readTree(this.raw.body());
		}

		public String text(String field) {
			JsonNode node = json().get(field);
			if (node == null || node.isNull()) {
				throw new AssertionError("No field '" + field + "' in " + body());
			}
			return node.asString();
		}

		public BigDecimal amount(String field) {
			return new BigDecimal(text(field));
		}

		public Optional<String> header(String name) {
			return this.raw.headers().firstValue(name);
		}

		public String contentType() {
			return header("Content-Type").orElse("");
		}

		@Override
		public String toString() {
			return status() + " " + body();
		}

	}

}
