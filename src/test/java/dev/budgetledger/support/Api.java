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
 * A plain HTTP client for the running service: tests go through the real wire, headers
 * and JSON included. Every request carries {@code Authorization: Bearer <key>} with the
 * client's API key; {@link #as} and {@link #anonymous} give clients with another key or
 * none.
 * <p>
 * Every exchange is held against openapi.yaml ({@link ApiContract}): a request or
 * response the spec does not allow fails the test. A test that sends forbidden input on
 * purpose says so with {@link #offContract()}, and then only the response is checked.
 */
public final class Api {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String base;

	private final @Nullable String key;

	private final ApiContract.Check check;

	public Api(int port, @Nullable String key) {
		this("http://localhost:" + port, key, ApiContract.Check.EXCHANGE);
	}

	private Api(String base, @Nullable String key, ApiContract.Check check) {
		this.base = base;
		this.key = key;
		this.check = check;
	}

	/** The same service, called with another API key. */
	public Api as(String key) {
		return new Api(this.base, key, this.check);
	}

	/** The same service, called without any API key. */
	public Api anonymous() {
		return new Api(this.base, null, this.check);
	}

	/**
	 * The same service, called with requests that break the contract on purpose
	 * (malformed bodies, values out of range, unknown routes): their responses must still
	 * match openapi.yaml, the requests are not checked.
	 */
	public Api offContract() {
		return new Api(this.base, this.key, ApiContract.Check.RESPONSE_ONLY);
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
		return send(request, body);
	}

	private URI uri(String path) {
		return URI.create(this.base + path);
	}

	private Response send(HttpRequest.Builder request) {
		return send(request, null);
	}

	private Response send(HttpRequest.Builder builder, @Nullable String body) {
		if (this.key != null) {
			builder.header("Authorization", "Bearer " + this.key);
		}
		try {
			HttpRequest request = builder.timeout(Duration.ofSeconds(30)).build();
			HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
			ApiContract.verify(this.check, this.key != null, request.method(), request.uri(), request.headers().map(),
					body, response.statusCode(), response.headers().map(), response.body());
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
