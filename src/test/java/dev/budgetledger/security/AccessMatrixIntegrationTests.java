package dev.budgetledger.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every endpoint, called by every kind of caller, answers the status the access rules
 * promise. A client key is bound to budget A: "in scope" calls target A, budgets under A
 * and A's reservations, "out of scope" calls target budget B's, and each out-of-scope 404
 * is compared with the answer for an id that does not exist at all.
 */
class AccessMatrixIntegrationTests extends IntegrationTest {

	enum Who {

		NO_KEY, BAD_KEY, REVOKED_KEY, EXPIRED_KEY, CLIENT_IN_SCOPE, CLIENT_OUT_OF_SCOPE, ADMIN, VIEWER

	}

	/** The four callers that are not authenticated at all. */
	private static final int[] UNAUTHENTICATED = { 401, 401, 401, 401 };

	private static final String JSON = "application/json";

	/**
	 * Nothing listens there, and the matrix's webhooks want an event the matrix never
	 * causes (an overrun).
	 */
	private static final String HOOK_URL = "http://127.0.0.1:9/hook";

	/**
	 * method, path, body; then the status for each {@link Who} in order. {@code {budget}}
	 * and {@code {reservation}} are A's (B's for the out-of-scope client);
	 * {@code {child}} is a new budget under A (B), so a bound key's scope is seen to
	 * cover its subtree and a freeze leaves A alone; {@code {webhook}} is a new webhook
	 * on A (B), {@code {webhook-delivery}} is
	 * {@code <webhook id>/deliveries/<delivery id>}; {@code {key}} and {@code {model}}
	 * are made fresh for each call.
	 */
	static Stream<Arguments> matrix() {
		List<Object[]> rows = List.of(
				row("POST", "/v1/budgets", "{\"name\": \"matrix\", \"limit\": \"1\"}", 403, 403, 201, 403),
				row("GET", "/v1/budgets", null, 200, 200, 200, 200),
				row("GET", "/v1/budgets/{budget}", null, 200, 404, 200, 200),
				row("PATCH", "/v1/budgets/{budget}", "{\"name\": \"renamed\"}", 403, 403, 200, 403),
				row("GET", "/v1/budgets/{budget}/entries", null, 200, 404, 200, 200),
				row("GET", "/v1/budgets/{budget}/children", null, 200, 404, 200, 200),
				row("GET", "/v1/budgets/{budget}/tree", null, 200, 404, 200, 200),
				row("GET", "/v1/budgets/{budget}/periods", null, 200, 404, 200, 200),
				row("GET", "/v1/budgets/{budget}/usage", null, 200, 404, 200, 200),
				row("GET", "/v1/budgets/{child}/usage?groupBy=child", null, 200, 404, 200, 200),
				row("GET", "/v1/budgets/{budget}/denials", null, 200, 404, 200, 200),
				row("GET", "/v1/reservations?budgetId={budget}", null, 200, 404, 200, 200),
				row("GET", "/v1/budgets/{child}", null, 200, 404, 200, 200),
				row("POST", "/v1/budgets/{child}/freeze", "{\"reason\": \"matrix\"}", 403, 403, 200, 403),
				row("POST", "/v1/budgets/{child}/unfreeze", "", 403, 403, 200, 403),
				row("POST", "/v1/budgets/{child}/close", "", 403, 403, 200, 403),
				row("POST", "/v1/budgets/{child}/reopen", "", 403, 403, 200, 403),
				row("POST", "/v1/reservations", "{\"budgetId\": \"{budget}\", \"amount\": \"0.01\"}", 201, 404, 201,
						403),
				row("GET", "/v1/events?budgetId={budget}", null, 200, 404, 200, 200),
				row("GET", "/v1/admin/reconciliation", null, 403, 403, 200, 403),
				row("POST", "/v1/decisions", "{\"budgetId\": \"{budget}\", \"amount\": \"0.01\"}", 200, 404, 200, 403),
				row("GET", "/v1/reservations/{reservation}", null, 200, 404, 200, 200),
				row("POST", "/v1/reservations/{reservation}/settle", "{\"amount\": \"0.01\"}", 200, 404, 200, 403),
				row("POST", "/v1/reservations/{reservation}/release", "", 200, 404, 200, 403),
				row("POST", "/v1/reservations/{reservation}/extend", "{\"ttlSeconds\": 60}", 200, 404, 200, 403),
				row("GET", "/v1/prices", null, 200, 200, 200, 200),
				row("GET", "/v1/prices/gpt-4o", null, 200, 200, 200, 200),
				row("PUT", "/v1/prices/{model}",
						"{\"inputPerMillion\": \"1\", \"outputPerMillion\": \"2\", \"currency\": \"USD\"}", 403, 403,
						201, 403),
				row("POST", "/v1/api-keys", "{\"name\": \"matrix\", \"role\": \"CLIENT\"}", 403, 403, 201, 403),
				row("GET", "/v1/api-keys", null, 403, 403, 200, 200),
				row("GET", "/v1/api-keys/{key}", null, 403, 403, 200, 200),
				row("GET", "/v1/api-keys/self", null, 200, 200, 200, 200),
				row("DELETE", "/v1/api-keys/{key}", null, 403, 403, 204, 403),
				row("GET", "/v1/audit", null, 403, 403, 200, 403),
				row("POST", "/v1/webhooks",
						"{\"url\": \"" + HOOK_URL
								+ "\", \"events\": [\"reservation.overrun\"], \"budgetId\": \"{budget}\"}",
						403, 403, 201, 403),
				row("GET", "/v1/webhooks", null, 403, 403, 200, 403),
				row("GET", "/v1/webhooks/{webhook}", null, 403, 403, 200, 403),
				row("PATCH", "/v1/webhooks/{webhook}", "{\"description\": \"matrix\"}", 403, 403, 200, 403),
				row("DELETE", "/v1/webhooks/{webhook}", null, 403, 403, 204, 403),
				row("POST", "/v1/webhooks/{webhook}/rotate-secret", "", 403, 403, 200, 403),
				row("GET", "/v1/webhooks/{webhook}/deliveries", null, 403, 403, 200, 403),
				row("POST", "/v1/webhooks/{webhook-delivery}/retry", "", 403, 403, 202, 403),
				row("GET", "/v1/nothing-here", null, 403, 403, 404, 403),
				row("GET", "/actuator/info", null, 403, 403, 200, 403),
				row("GET", "/actuator/prometheus", null, 403, 403, 200, 403),
				new Object[] { "GET", "/actuator/health", null, new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "GET", "/openapi.yaml", null, new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "GET", "/swagger-ui/index.html", null,
						new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "GET", "/webjars/swagger-ui/swagger-ui-bundle.js", null,
						new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "GET", "/actuator/health/liveness", null,
						new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "GET", "/actuator/health/readiness", null,
						new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				// The console's static files hold no data: anyone may read them, nobody
				// may write there.
				new Object[] { "GET", "/console", null, new int[] { 302, 302, 302, 302, 302, 302, 302, 302 } },
				new Object[] { "GET", "/console/", null, new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "GET", "/console/app.js", null, new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "GET", "/console/views/budget.js", null,
						new int[] { 200, 200, 200, 200, 200, 200, 200, 200 } },
				new Object[] { "POST", "/console/index.html", "",
						new int[] { 401, 401, 401, 401, 401, 401, 401, 401 } },
				new Object[] { "DELETE", "/console/app.js", null,
						new int[] { 401, 401, 401, 401, 401, 401, 401, 401 } });
		List<Arguments> cases = new ArrayList<>();
		for (Object[] row : rows) {
			int[] statuses = (int[]) row[3];
			for (Who caller : Who.values()) {
				cases.add(arguments(row[0], row[1], row[2], caller, statuses[caller.ordinal()]));
			}
		}
		return cases.stream();
	}

	private static Object[] row(String method, String path, @Nullable String body, int clientInScope,
			int clientOutOfScope, int admin, int viewer) {
		return new Object[] { method, path, body, new int[] { UNAUTHENTICATED[0], UNAUTHENTICATED[1],
				UNAUTHENTICATED[2], UNAUTHENTICATED[3], clientInScope, clientOutOfScope, admin, viewer } };
	}

	/**
	 * Made once for the class: the shared context keeps them, and no row changes what
	 * another row relies on.
	 */
	private static @Nullable Fixture fixture;

	private record Fixture(UUID budgetA, UUID budgetB, String clientOfA, String revokedAdmin, String expiredAdmin,
			String viewer) {
	}

	@BeforeEach
	void fixture() {
		if (fixture != null) {
			return;
		}
		UUID a = createBudget("1000");
		UUID b = createBudget("1000");
		String revoked = createKey(Map.of("name", "revoked admin", "role", "ADMIN")).text("secret");
		String revokedId = keyId(revoked);
		assertThat(this.api.delete("/v1/api-keys/" + revokedId).status()).isEqualTo(204);
		String expired = createKey(Map.of("name", "expiring admin", "role", "ADMIN", "expiresAt",
				this.clock.instant().plusSeconds(30).toString()))
			.text("secret");
		this.clock.advance(Duration.ofSeconds(31));
		fixture = new Fixture(a, b, clientKey(a), revoked, expired,
				createKey(Map.of("name", "viewer", "role", "VIEWER")).text("secret"));
	}

	@ParameterizedTest(name = "{0} {1} as {3} -> {4}")
	@MethodSource("matrix")
	void everyEndpointAnswersEveryCallerAsTheRulesSay(String method, String path, @Nullable String body, Who caller,
			int status) {
		Fixture f = fixture;
		boolean outOfScope = caller == Who.CLIENT_OUT_OF_SCOPE;
		UUID budget = outOfScope ? f.budgetB() : f.budgetA();
		String resolvedPath = resolve(path, budget);
		String resolvedBody = (body != null) ? resolve(body, budget) : null;

		// A route openapi.yaml does not have is off the contract on purpose; its answer
		// is still checked.
		Api api = path.equals("/v1/nothing-here") ? as(caller).offContract() : as(caller);
		Api.Response response = send(api, method, resolvedPath, resolvedBody);

		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		if (status >= 400) {
			assertThat(response.contentType()).as(response.toString()).startsWith("application/problem+json");
		}
		if (status == 401) {
			assertThat(response.text("code")).isEqualTo("UNAUTHENTICATED");
			assertThat(response.header("WWW-Authenticate"))
				.hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Bearer realm=\"budget-ledger\""));
		}
		if (status == 403) {
			assertThat(response.text("code")).isEqualTo("FORBIDDEN");
		}
		if (status == 404 && outOfScope) {
			assertLooksMissing(response, method, resolvedPath, resolvedBody, budget);
		}
	}

	/**
	 * The out-of-scope answer must be the answer for an id that exists nowhere: same
	 * status, same headers that matter, same body once the id itself is swapped.
	 */
	private void assertLooksMissing(Api.Response outOfScope, String method, String path, @Nullable String body,
			UUID budgetB) {
		String target = (path.contains(budgetB.toString()) || (body != null && body.contains(budgetB.toString())))
				? budgetB.toString() : path.split("/")[3];
		String missing = UUID.randomUUID().toString();
		Api.Response absent = send(as(Who.CLIENT_OUT_OF_SCOPE), method, path.replace(target, missing),
				(body != null) ? body.replace(target, missing) : null);

		assertThat(absent.status()).isEqualTo(outOfScope.status());
		assertThat(absent.contentType()).isEqualTo(outOfScope.contentType());
		// Each request has its own id; it says nothing about what exists.
		assertThat(withoutRequestId(outOfScope).replace(target, missing)).isEqualTo(withoutRequestId(absent));
	}

	private static String withoutRequestId(Api.Response response) {
		return response.body().replace(response.header("X-Request-Id").orElseThrow(), "<request id>");
	}

	private Api as(Who caller) {
		Fixture f = fixture;
		return switch (caller) {
			case NO_KEY -> this.api.anonymous();
			case BAD_KEY -> this.api.as(ApiKeySecrets.generate());
			case REVOKED_KEY -> this.api.as(f.revokedAdmin());
			case EXPIRED_KEY -> this.api.as(f.expiredAdmin());
			case CLIENT_IN_SCOPE, CLIENT_OUT_OF_SCOPE -> this.api.as(f.clientOfA());
			case ADMIN -> this.api;
			case VIEWER -> this.api.as(f.viewer());
		};
	}

	/**
	 * Fills in the placeholders; reservations and keys are fresh for each call, so every
	 * row starts alike.
	 */
	private String resolve(String text, UUID budget) {
		String resolved = text.replace("{budget}", budget.toString());
		if (resolved.contains("{child}")) {
			resolved = resolved.replace("{child}", createChild(budget).toString());
		}
		if (resolved.contains("{reservation}")) {
			resolved = resolved.replace("{reservation}", reserveAllowed(budget, "0.01").toString());
		}
		if (resolved.contains("{webhook}")) {
			resolved = resolved.replace("{webhook}", createWebhook(budget));
		}
		if (resolved.contains("{webhook-delivery}")) {
			String webhook = createWebhook(budget);
			resolved = resolved.replace("{webhook-delivery}",
					webhook + "/deliveries/" + createDelivery(webhook, budget));
		}
		if (resolved.contains("{key}")) {
			resolved = resolved.replace("{key}", keyId(clientKey(null)));
		}
		return resolved.replace("{model}", "matrix-model-" + UUID.randomUUID());
	}

	private String createWebhook(UUID budget) {
		Api.Response response = this.api.post("/v1/webhooks",
				Map.of("url", HOOK_URL, "events", List.of("reservation.overrun"), "budgetId", budget));
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.text("id");
	}

	/**
	 * A delivery of a real event (a freeze of a new budget), made here as the
	 * dispatcher's fan-out would.
	 */
	private UUID createDelivery(String webhookId, UUID budget) {
		UUID child = createChild(budget);
		assertThat(this.api.post("/v1/budgets/" + child + "/freeze", Map.of("reason", "matrix")).status())
			.isEqualTo(200);
		UUID delivery = UUID.randomUUID();
		this.jdbc
			.sql("""
					INSERT INTO webhook_deliveries (id, webhook_id, event_position, event_id, event_type, budget_id, root_id,
					    status, next_attempt_at, created_at)
					SELECT :delivery, :webhook, id, event_id, type, budget_id, root_id, 'DEAD', created_at, created_at
					FROM events WHERE budget_id = :child""")
			.param("delivery", delivery)
			.param("webhook", UUID.fromString(webhookId))
			.param("child", child)
			.update();
		return delivery;
	}

	private UUID createChild(UUID parent) {
		Api.Response response = this.api.post("/v1/budgets",
				Map.of("name", "matrix child", "limit", "1", "parentId", parent));
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return UUID.fromString(response.text("id"));
	}

	private String keyId(String secret) {
		return this.jdbc.sql("SELECT id FROM api_keys WHERE secret_hash = :hash")
			.param("hash", ApiKeySecrets.hash(secret))
			.query(UUID.class)
			.single()
			.toString();
	}

	private static Api.Response send(Api api, String method, String path, @Nullable String body) {
		return switch (method) {
			case "GET" -> api.get(path);
			case "DELETE" -> api.delete(path);
			default -> api.send(method, path, JSON, (body != null) ? body : "");
		};
	}

}
