package dev.budgetledger.support;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client for the running service: tests go through the real wire, headers and JSON included. */
public final class Api {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String base;

	public Api(int port) {
		this.base = "http://localhost:" + port;
	}

	public static String json(Object body) {
		return (body instanceof String text) ? text : json.writeValueAsString(body);
	}

	public Response get(String path) {
		return send(HttpRequest.newBuilder(uri(path)).GET());
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
		try {
			HttpResponse<String> response = this.client.send(request.timeout(Duration.ofSeconds(30)).build(),
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
