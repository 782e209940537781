package dev.budgetledger.errors;

import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Bad requests get a clear 4xx problem+json with a stable code, and change nothing: the
 * target budget's balances, journal and reservations are the same afterwards.
 */
class BadInputIntegrationTests extends IntegrationTest {

	private static final String JSON = "application/json";

	static Stream<Arguments> badRequests() {
		return Stream.of(
				// method, path, content type, body, status, code
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": ", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "not json", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "[]", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"1\"} trailing", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"amount\": \"2\"}", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"colour\": \"red\"}", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": true}", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"ten\"}", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"NaN\"}", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"Infinity\"}", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"not-a-uuid\", \"amount\": \"1\"}", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": 1e999999}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": 1e-999999}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"-1\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"0\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"1000000000000.01\"}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"0.0000000000000000001\"}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON, "{\"amount\": \"1\"}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\"}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"model\": \"gpt-4o\", \"inputTokens\": 1, \"maxOutputTokens\": 1}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"model\": \"gpt-4o\", \"maxOutputTokens\": 1}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"model\": \"gpt-4o\", \"inputTokens\": -1, \"maxOutputTokens\": 1}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"model\": \"gpt-4o\", \"inputTokens\": 1.5, \"maxOutputTokens\": 1}",
						400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"model\": \"gpt-4o\", \"inputTokens\": 0, \"maxOutputTokens\": 0}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"model\": \"../../etc/passwd\", \"inputTokens\": 1, \"maxOutputTokens\": 1}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"ttlSeconds\": 0}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"ttlSeconds\": 86401}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"currency\": \"usd\"}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"currency\": \"EUR\"}", 400, "CURRENCY_MISMATCH"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"metadata\": [1]}", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"metadata\": {\"k\": \"" + "x".repeat(5000)
								+ "\"}}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"" + UUID.randomUUID() + "\", \"amount\": \"1\"}", 404, "BUDGET_NOT_FOUND"),
				arguments("POST", "/v1/reservations", "text/plain", "{\"budgetId\": \"$B\", \"amount\": \"1\"}", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				arguments("POST", "/v1/reservations", "application/xml", "<amount>1</amount>", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"pad\": \"" + "x".repeat(70_000) + "\"}", 413,
						"PAYLOAD_TOO_LARGE"),
				arguments("DELETE", "/v1/reservations", JSON, "", 405, "METHOD_NOT_ALLOWED"),
				arguments("POST", "/v1/reservations/" + UUID.randomUUID() + "/settle", JSON, "{\"amount\": \"1\"}", 404,
						"RESERVATION_NOT_FOUND"),
				arguments("POST", "/v1/reservations/" + UUID.randomUUID() + "/release", JSON, "", 404,
						"RESERVATION_NOT_FOUND"),
				arguments("POST", "/v1/reservations/not-a-uuid/settle", JSON, "{\"amount\": \"1\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations/$R/settle", JSON, "{}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations/$R/settle", JSON,
						"{\"amount\": \"1\", \"inputTokens\": 1, \"outputTokens\": 1}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations/$R/settle", JSON, "{\"amount\": \"-0.01\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations/$R/settle", JSON, "{\"inputTokens\": 1}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations/$R/extend", JSON, "{}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations/$R/extend", JSON, "{\"ttlSeconds\": -5}", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/reservations/..%252F..%252Fetc%252Fpasswd", null, "", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/budgets/" + UUID.randomUUID(), null, "", 404, "BUDGET_NOT_FOUND"),
				arguments("GET", "/v1/budgets/12345", null, "", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/budgets?limit=0", null, "", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/budgets?limit=201", null, "", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/budgets?cursor=bm9wZQ", null, "", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/nothing-here", null, "", 404, "NOT_FOUND"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"limit\": \"-5\"}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"name\": \"\"}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"name\": \"bell\\u0007\"}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"spent\": \"0\"}", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/budgets", JSON, "{\"name\": \"x\", \"limit\": \"5\", \"currency\": \"XYZ\"}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/budgets", JSON, "{\"name\": \"" + "n".repeat(201) + "\", \"limit\": \"5\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/budgets", JSON, "{\"name\": \"x\"}", 400, "VALIDATION_FAILED"),
				arguments("PUT", "/v1/prices/gpt-4o", JSON,
						"{\"inputPerMillion\": \"-1\", \"outputPerMillion\": \"1\", \"currency\": \"USD\"}", 400,
						"VALIDATION_FAILED"),
				arguments("PUT", "/v1/prices/gpt-4o", JSON,
						"{\"inputPerMillion\": \"0.0000000000001\", \"outputPerMillion\": \"1\", \"currency\": \"USD\"}",
						400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/prices/unknown-model-name", null, "", 404, "PRICE_NOT_FOUND"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"metadata\": " + "{\"a\": ".repeat(2000) + "1"
								+ "}".repeat(2000) + "}",
						400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", null, "{\"budgetId\": \"$B\", \"amount\": \"1\"}", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				arguments("POST", "/v1/reservations", JSON, "{\"budgetId\": \"$B\", \"amount\": \"0x10\"}", 400,
						"MALFORMED_REQUEST"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"fallbackModels\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"], \"model\": \"gpt-4o\", \"inputTokens\": 1, \"maxOutputTokens\": 1}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/budgets", JSON, "{\"name\": \"x\", \"limit\": \"1.5\", \"unit\": \"TOKENS\"}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/budgets", JSON,
						"{\"name\": \"x\", \"limit\": \"1\", \"period\": \"FORTNIGHTLY\"}", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/budgets", JSON, "{\"name\": \"x\", \"limit\": \"1\", \"thresholds\": [0]}", 400,
						"VALIDATION_FAILED"),
				// Run caps and minute windows: a run is named by 1 to 128 characters,
				// none
				// a control character; caps are positive.
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"runId\": \"\"}", 400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"runId\": \"a\\u0000b\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"runId\": \"line\\nbreak\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/reservations", JSON,
						"{\"budgetId\": \"$B\", \"amount\": \"1\", \"runId\": \"" + "r".repeat(129) + "\"}", 400,
						"VALIDATION_FAILED"),
				arguments("POST", "/v1/decisions", JSON, "{\"budgetId\": \"$B\", \"amount\": \"1\", \"runId\": \"\"}",
						400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"maxCallsPerRun\": -1}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"maxCallsPerRun\": 0}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"maxAmountPerRun\": \"-0.01\"}", 400,
						"VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"maxAmountPerRun\": \"0\"}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"maxRequestsPerMinute\": -5}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"maxTokensPerMinute\": 0}", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"maxTokensPerMinute\": 1.5}", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/budgets", JSON, "{\"name\": \"x\", \"limit\": \"1\", \"maxCallsPerRun\": -1}",
						400, "VALIDATION_FAILED"),
				arguments("POST", "/v1/budgets", JSON,
						"{\"name\": \"x\", \"limit\": \"100\", \"unit\": \"TOKENS\", \"maxAmountPerRun\": \"1.5\"}",
						400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "[1, 2]", 400, "MALFORMED_REQUEST"),
				arguments("PATCH", "/v1/budgets/$B", JSON, "{\"parentId\": \"$B\"}", 400, "MALFORMED_REQUEST"),
				arguments("POST", "/v1/budgets/$B/freeze", JSON, "{}", 400, "VALIDATION_FAILED"),
				// An id with anything around it is not that id (Java's trim would drop
				// control characters).
				arguments("GET", "/v1/reservations?budgetId=$B%00", null, "", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/reservations?budgetId=%20$B", null, "", 400, "VALIDATION_FAILED"),
				arguments("GET", "/v1/budgets/$B%09", null, "", 400, "VALIDATION_FAILED"),
				arguments("PATCH", "/v1/budgets/$B%1F", JSON, "{\"limit\": \"500\"}", 400, "VALIDATION_FAILED"),
				// Refused by Tomcat before any filter; answered as problem+json all the
				// same.
				arguments("GET", "/v1/budgets/$B%00", null, "", 400, "MALFORMED_REQUEST"),
				arguments("GET", "/v1/budgets/a%2Fb", null, "", 400, "MALFORMED_REQUEST"),
				arguments("PATCH", "/v1/budgets/$B%2F", JSON, "{\"limit\": \"500\"}", 400, "MALFORMED_REQUEST"));
	}

	@ParameterizedTest(name = "{0} {1} [{2}] -> {4} {5}")
	@MethodSource("badRequests")
	void aBadRequestIsAProblemAndChangesNothing(String method, String path, String contentType, String body, int status,
			String code) {
		UUID budget = createBudget("5.00");
		UUID reservation = reserveAllowed(budget, "1.00");
		String before = snapshot(budget);
		String gpt4o = this.api.get("/v1/prices/gpt-4o").body();

		// The requests break the contract on purpose; openapi.yaml still checks every
		// answer.
		Api.Response response = this.api.offContract()
			.send(method, resolve(path, budget, reservation), contentType, resolve(body, budget, reservation));

		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		assertThat(response.contentType()).as(response.toString()).startsWith("application/problem+json");
		assertThat(response.json().get("status").asInt()).isEqualTo(status);
		assertThat(response.json().get("title").asString()).isNotBlank();
		if (code != null) {
			assertThat(response.text("code")).isEqualTo(code);
			assertThat(response.text("type")).isEqualTo(ProblemType.valueOf(code).type().toString());
		}
		assertThat(snapshot(budget)).isEqualTo(before);
		assertThat(this.api.get("/v1/prices/gpt-4o").body()).isEqualTo(gpt4o);
	}

	@Test
	void aHeaderBeyondTomcatsLimitIsAProblemAndChangesNothing() {
		UUID budget = createBudget("5.00");
		String before = snapshot(budget);

		Api.Response response = this.api.offContract()
			.send("POST", "/v1/reservations", JSON, "{\"budgetId\": \"" + budget + "\", \"amount\": \"1\"}",
					"Idempotency-Key", "k".repeat(10_000));

		assertThat(response.status()).as(response.toString()).isEqualTo(400);
		assertThat(response.contentType()).as(response.toString()).startsWith("application/problem+json");
		assertThat(response.text("code")).isEqualTo("MALFORMED_REQUEST");
		assertThat(response.text("type")).isEqualTo(ProblemType.MALFORMED_REQUEST.type().toString());
		assertThat(response.text("requestId")).isNotBlank().isEqualTo(response.header("X-Request-Id").orElseThrow());
		assertThat(snapshot(budget)).isEqualTo(before);
	}

	private static String resolve(String text, UUID budget, UUID reservation) {
		return text.replace("$B", budget.toString()).replace("$R", reservation.toString());
	}

	/** Everything a request could have changed about a budget. */
	private String snapshot(UUID budget) {
		List<String> rows = this.jdbc
			.sql("""
					SELECT 'budget ' || name || ' ' || limit_amount || ' ' || spent || ' ' || reserved || ' ' || denied_count
					       || ' ' || metadata::text || ' ' || concat_ws(',', max_calls_per_run, max_amount_per_run,
					       max_requests_per_minute, max_tokens_per_minute) FROM budgets WHERE id = :id
					UNION ALL SELECT 'reservation ' || id || ' ' || status || ' ' || amount || ' ' || expires_at
					       || ' ' || coalesce(run_id, '-') FROM reservations WHERE budget_id = :id
					UNION ALL SELECT 'run ' || run_id || ' ' || calls || ' ' || amount FROM run_usage WHERE budget_id = :id
					UNION ALL SELECT 'entry ' || id || ' ' || kind || ' ' || amount FROM journal_entries WHERE budget_id = :id""")
			.param("id", budget)
			.query(String.class)
			.list();
		return String.join("\n", rows.stream().sorted().toList());
	}

}
