package dev.budgetledger.client;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * The budget-ledger API over the JDK's {@link HttpClient}. Thread-safe; make one per service and API key.
 *
 * <pre>{@code
 * BudgetLedgerClient ledger = BudgetLedgerClient.builder(URI.create("http://localhost:8080"), apiKey).build();
 * Reservation hold = ledger.reserve(ReserveRequest.tokens(budgetId, "gpt-4o", 1200, 800)); // or BudgetDeniedException
 * // ... the LLM call, with hold.model() ...
 * ledger.settle(hold.id(), SettleRequest.tokens(1200, 310));  // or ledger.release(hold.id()) if it failed
 * }</pre>
 *
 * Every POST carries an {@code Idempotency-Key} (a new UUID unless one is given), and every retry of it (see
 * {@link RetryPolicy}) sends the same key. Errors are {@link BudgetLedgerException}s; a DENY is a
 * {@link BudgetDeniedException}.
 */
public final class BudgetLedgerClient {

	private static final String PROBLEM_JSON = "application/problem+json";

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private final URI baseUri;

	private final String authorization;

	private final HttpClient http;

	private final RetryPolicy retryPolicy;

	private final Duration requestTimeout;

	private final JsonMapper json;

	private BudgetLedgerClient(Builder builder) {
		String base = builder.baseUri.toString();
		this.baseUri = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
		this.authorization = "Bearer " + builder.apiKey;
		this.http = (builder.httpClient != null) ? builder.httpClient
				: HttpClient.newBuilder()
					.version(HttpClient.Version.HTTP_1_1)
					.connectTimeout(Duration.ofSeconds(5))
					.build();
		this.retryPolicy = builder.retryPolicy;
		this.requestTimeout = builder.requestTimeout;
		this.json = JsonMapper.builder()
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
			.addModule(new SimpleModule().addSerializer(BigDecimal.class, new DecimalString()))
			.build();
	}

	public static Builder builder(URI baseUri, String apiKey) {
		return new Builder(baseUri, apiKey);
	}

	/** A fresh key for one logical request; keep it to retry that request yourself later. */
	public static String newIdempotencyKey() {
		return UUID.randomUUID().toString();
	}

	/** Holds the request's worst case; throws {@link BudgetDeniedException} when it does not fit. */
	public Reservation reserve(ReserveRequest request) {
		return reserve(request, newIdempotencyKey());
	}

	public Reservation reserve(ReserveRequest request, String idempotencyKey) {
		return send("POST", "/v1/reservations", request, idempotencyKey, Reservation.class);
	}

	/** Charges what the call cost; the rest of the hold goes back to the budget. */
	public Reservation settle(UUID reservationId, SettleRequest request) {
		return settle(reservationId, request, newIdempotencyKey());
	}

	public Reservation settle(UUID reservationId, SettleRequest request, String idempotencyKey) {
		return send("POST", "/v1/reservations/" + reservationId + "/settle", request, idempotencyKey,
				Reservation.class);
	}

	/** Gives the whole hold back, for a call that failed or was never made. */
	public Reservation release(UUID reservationId) {
		return release(reservationId, newIdempotencyKey());
	}

	public Reservation release(UUID reservationId, String idempotencyKey) {
		return send("POST", "/v1/reservations/" + reservationId + "/release", null, idempotencyKey,
				Reservation.class);
	}

	/** Keeps a hold alive {@code ttl} from now (a long or streaming call). */
	public Reservation extend(UUID reservationId, Duration ttl) {
		return extend(reservationId, ttl, newIdempotencyKey());
	}

	public Reservation extend(UUID reservationId, Duration ttl, String idempotencyKey) {
		return send("POST", "/v1/reservations/" + reservationId + "/extend", Map.of("ttlSeconds", ttl.toSeconds()),
				idempotencyKey, Reservation.class);
	}

	/**
	 * Changes what the held reservation holds ({@link ExtendRequest#maxOutputTokens(long)} or
	 * {@link ExtendRequest#amount(BigDecimal)}) and/or its expiry. A growth that does not fit throws
	 * {@link BudgetDeniedException} and leaves the hold as it was.
	 */
	public Reservation extend(UUID reservationId, ExtendRequest request) {
		return extend(reservationId, request, newIdempotencyKey());
	}

	public Reservation extend(UUID reservationId, ExtendRequest request, String idempotencyKey) {
		return send("POST", "/v1/reservations/" + reservationId + "/extend", request, idempotencyKey,
				Reservation.class);
	}

	public Reservation reservation(UUID reservationId) {
		return send("GET", "/v1/reservations/" + reservationId, null, null, Reservation.class);
	}

	public Budget budget(UUID budgetId) {
		return send("GET", "/v1/budgets/" + budgetId, null, null, Budget.class);
	}

	/** Needs an ADMIN key. */
	public Budget createBudget(CreateBudgetRequest request) {
		return createBudget(request, newIdempotencyKey());
	}

	public Budget createBudget(CreateBudgetRequest request, String idempotencyKey) {
		return send("POST", "/v1/budgets", request, idempotencyKey, Budget.class);
	}

	/** Needs an ADMIN key. A merge patch: only what the patch sets changes. */
	public Budget updateBudget(UUID budgetId, BudgetPatch patch) {
		return send("PATCH", "/v1/budgets/" + budgetId, patch.fields(), null, Budget.class);
	}

	private <T> T send(String method, String path, @Nullable Object body, @Nullable String idempotencyKey,
			Class<T> type) {
		HttpRequest request = request(method, path, body, idempotencyKey);
		for (int attempt = 1;; attempt++) {
			boolean last = attempt >= this.retryPolicy.maxAttempts();
			HttpResponse<String> response;
			try {
				response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
			}
			catch (IOException ex) {
				if (last) {
					throw new BudgetLedgerException(0, null, method + " " + path + " got no answer from "
							+ this.baseUri + " after " + attempt + " attempt(s): " + ex, Map.of(), ex);
				}
				pause(this.retryPolicy.backoff(attempt));
				continue;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new BudgetLedgerException(0, null, method + " " + path + " was interrupted", Map.of(), ex);
			}
			int status = response.statusCode();
			if (status >= 200 && status < 300) {
				return read(response.body(), type);
			}
			BudgetLedgerException error = error(method, path, response);
			if (last || !retryable(error)) {
				throw error;
			}
			Duration backoff = this.retryPolicy.backoff(attempt);
			pause(retryAfter(response).orElse(backoff));
		}
	}

	private HttpRequest request(String method, String path, @Nullable Object body, @Nullable String idempotencyKey) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(this.baseUri + path))
			.timeout(this.requestTimeout)
			.header("Authorization", this.authorization)
			.header("Accept", "application/json, " + PROBLEM_JSON);
		if (idempotencyKey != null) {
			builder.header("Idempotency-Key", idempotencyKey);
		}
		if (body != null) {
			builder.header("Content-Type", "application/json")
				.method(method, HttpRequest.BodyPublishers.ofString(this.json.writeValueAsString(body)));
		}
		else {
			builder.method(method, HttpRequest.BodyPublishers.noBody());
		}
		return builder.build();
	}

	private static boolean retryable(BudgetLedgerException error) {
		return error.status() == 503 || error.status() == 429
				|| "IDEMPOTENCY_KEY_IN_FLIGHT".equals(error.code());
	}

	private Optional<Duration> retryAfter(HttpResponse<String> response) {
		return response.headers().firstValue("Retry-After").flatMap(value -> {
			try {
				Duration wait = Duration.ofSeconds(Long.parseLong(value.trim()));
				return Optional.of(wait.compareTo(this.retryPolicy.maxBackoff()) > 0 ? this.retryPolicy.maxBackoff()
						: wait);
			}
			catch (NumberFormatException ex) {
				return Optional.empty();
			}
		});
	}

	private BudgetLedgerException error(String method, String path, HttpResponse<String> response) {
		Map<String, Object> problem = problem(response.body());
		String code = (problem.get("code") != null) ? problem.get("code").toString() : null;
		Object detail = Objects.requireNonNullElse(problem.get("detail"),
				Objects.requireNonNullElse(problem.get("title"), "no details"));
		String message = method + " " + path + " answered " + response.statusCode()
				+ ((code != null) ? " " + code : "") + ": " + detail;
		if (response.statusCode() == 402 && "RESERVATION_DENIED".equals(code)) {
			return new BudgetDeniedException(message, problem);
		}
		return new BudgetLedgerException(response.statusCode(), code, message, problem, null);
	}

	private Map<String, Object> problem(String body) {
		try {
			return this.json.readValue(body, MAP);
		}
		catch (JacksonException ex) {
			return Map.of("detail", body.length() > 500 ? body.substring(0, 500) : body);
		}
	}

	private <T> T read(String body, Class<T> type) {
		try {
			return this.json.readValue(body, type);
		}
		catch (JacksonException ex) {
			throw new BudgetLedgerException(0, null, "Cannot read the service's answer as " + type.getSimpleName()
					+ ": " + ex.getOriginalMessage(), Map.of(), ex);
		}
	}

	private static void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BudgetLedgerException(0, null, "Interrupted while waiting to retry", Map.of(), ex);
		}
	}

	/** Money leaves as a decimal string, never a JSON number or exponent notation. */
	private static final class DecimalString extends ValueSerializer<BigDecimal> {

		@Override
		public void serialize(BigDecimal value, JsonGenerator generator, SerializationContext context) {
			generator.writeString(value.toPlainString());
		}

	}

	public static final class Builder {

		private final URI baseUri;

		private final String apiKey;

		private @Nullable HttpClient httpClient;

		private RetryPolicy retryPolicy = RetryPolicy.defaults();

		private Duration requestTimeout = Duration.ofSeconds(10);

		private Builder(URI baseUri, String apiKey) {
			this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
			this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
		}

		public Builder httpClient(HttpClient httpClient) {
			this.httpClient = httpClient;
			return this;
		}

		public Builder retryPolicy(RetryPolicy retryPolicy) {
			this.retryPolicy = retryPolicy;
			return this;
		}

		/** How long one try waits for its answer (default 10 s); a time-out is retried like a lost answer. */
		public Builder requestTimeout(Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
			return this;
		}

		public BudgetLedgerClient build() {
			return new BudgetLedgerClient(this);
		}

	}

}
