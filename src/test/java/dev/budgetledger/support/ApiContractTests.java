package dev.budgetledger.support;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract check itself can fail: responses and requests that drift from openapi.yaml
 * are rejected, so a suite that passes through {@link Api} shows the service still speaks
 * the documented API.
 */
class ApiContractTests {

	private static final String BUDGET = "/v1/budgets/01a207bc-48e6-78ac-9d94-0eeb5cf9c019";

	private static final String PROBLEM_JSON = "application/problem+json";

	private static final Map<String, List<String>> JSON = Map.of("Content-Type", List.of("application/json"));

	private static final Map<String, List<String>> PROBLEM = Map.of("Content-Type", List.of(PROBLEM_JSON));

	private static final String NOT_FOUND = """
			{"type": "https://budget-ledger.dev/problems/not-found", "title": "Not found", "status": 404,
			 "code": "NOT_FOUND", "requestId": "r1"}""";

	private static boolean rejected(int status, String contentType, String body) {
		return ApiContract.validateResponse("GET", BUDGET, status, contentType, body).hasErrors();
	}

	@Test
	void aDocumentedProblemIsAccepted() {
		assertThat(rejected(404, PROBLEM_JSON, """
				{"type": "https://budget-ledger.dev/problems/budget-not-found", "title": "Budget not found",
				 "status": 404, "code": "BUDGET_NOT_FOUND", "detail": "No budget", "requestId": "r1"}""")).isFalse();
	}

	@Test
	void aFieldOfTheWrongTypeIsRejected() {
		assertThat(rejected(404, PROBLEM_JSON, """
				{"type": "https://budget-ledger.dev/problems/budget-not-found", "title": "Budget not found",
				 "status": "404", "code": "BUDGET_NOT_FOUND", "requestId": "r1"}""")).isTrue();
	}

	@Test
	void aMissingRequiredFieldIsRejected() {
		assertThat(rejected(404, PROBLEM_JSON, """
				{"type": "https://budget-ledger.dev/problems/budget-not-found", "title": "Budget not found",
				 "status": 404, "requestId": "r1"}""")).isTrue();
	}

	@Test
	void aProblemWithoutItsRequestIdIsRejected() {
		assertThat(rejected(404, PROBLEM_JSON, """
				{"type": "https://budget-ledger.dev/problems/budget-not-found", "title": "Budget not found",
				 "status": 404, "code": "BUDGET_NOT_FOUND"}""")).isTrue();
	}

	@Test
	void aProblemCodeTheSpecDoesNotListIsRejected() {
		assertThat(rejected(404, PROBLEM_JSON, """
				{"type": "https://budget-ledger.dev/problems/gone", "title": "Gone", "status": 404,
				 "code": "SOMETHING_NEW", "requestId": "r1"}""")).isTrue();
	}

	@Test
	void anUndocumentedStatusIsRejected() {
		assertThat(rejected(418, PROBLEM_JSON,
				"""
						{"type": "about:blank", "title": "Teapot", "status": 418, "code": "INTERNAL_ERROR", "requestId": "r1"}"""))
			.isTrue();
	}

	@Test
	void anUndocumentedContentTypeIsRejected() {
		assertThat(rejected(404, "text/html", "<h1>Not found</h1>")).isTrue();
	}

	/**
	 * OpenAPI 3.1 spells "nullable" as a type array; the validator must read it both ways
	 * round.
	 */
	@Test
	void aTypeArrayAllowsNullAndStillRejectsOtherTypes() {
		String page = "{\"items\": [], \"nextCursor\": %s}";

		assertThat(ApiContract.validateResponse("GET", "/v1/budgets", 200, "application/json", page.formatted("null"))
			.hasErrors()).isFalse();
		assertThat(ApiContract.validateResponse("GET", "/v1/budgets", 200, "application/json", page.formatted("\"c\""))
			.hasErrors()).isFalse();
		assertThat(ApiContract.validateResponse("GET", "/v1/budgets", 200, "application/json", page.formatted("42"))
			.hasErrors()).isTrue();
	}

	/**
	 * A merge patch removes a cap with null: the spec must say so, or clients cannot be
	 * checked doing it.
	 */
	@Test
	void aMergePatchMayRemoveCapsWithNullButNotSetThemToNonsense() {
		assertThat(ApiContract.validateRequest("PATCH", BUDGET, "{\"maxCallsPerPeriod\": null, \"downgradeAt\": null}")
			.hasErrors()).isFalse();
		assertThat(ApiContract.validateRequest("PATCH", BUDGET, "{\"downgradeAt\": \"0.5\", \"maxCallsPerPeriod\": 3}")
			.hasErrors()).isFalse();
		assertThat(ApiContract.validateRequest("PATCH", BUDGET, "{\"downgradeAt\": true}").hasErrors()).isTrue();
		assertThat(ApiContract.validateRequest("PATCH", BUDGET, "{\"maxCallsPerPeriod\": 0}").hasErrors()).isTrue();
		assertThat(ApiContract.validateRequest("PATCH", BUDGET, "{\"name\": null}").hasErrors()).isTrue();
	}

	@Test
	void theExchangeCheckFailsTheTestOnAResponseThatDrifted() {
		assertThatThrownBy(() -> ApiContract.verify(ApiContract.Check.EXCHANGE, true, "GET",
				URI.create("http://localhost" + BUDGET), Map.of(), null, 200, JSON, "{\"id\": 42}"))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("does not match openapi.yaml");
	}

	@Test
	void aRequestThatBreaksTheContractFailsUnlessTheTestSaysItMeansTo() {
		URI reserve = URI.create("http://localhost/v1/reservations");
		Map<String, List<String>> headers = Map.of("Content-Type", List.of("application/json"), "Authorization",
				List.of("Bearer bl_live_x"));
		String body = "{\"budgetId\": \"not-a-uuid\", \"amount\": \"1\"}";
		String answer = """
				{"type": "https://budget-ledger.dev/problems/malformed-request", "title": "Malformed request",
				 "status": 400, "code": "MALFORMED_REQUEST", "requestId": "r1"}""";

		assertThatThrownBy(() -> ApiContract.verify(ApiContract.Check.EXCHANGE, true, "POST", reserve, headers, body,
				400, PROBLEM, answer))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("does not match openapi.yaml");
		assertThatCode(() -> ApiContract.verify(ApiContract.Check.RESPONSE_ONLY, true, "POST", reserve, headers, body,
				400, PROBLEM, answer))
			.doesNotThrowAnyException();
	}

	@Test
	void aRequestWithoutTheApiKeyIsRejectedUnlessItIsAnonymousOnPurpose() {
		URI budget = URI.create("http://localhost" + BUDGET);
		String answer = """
				{"type": "https://budget-ledger.dev/problems/unauthenticated", "title": "Unauthenticated",
				 "status": 401, "code": "UNAUTHENTICATED", "requestId": "r1"}""";

		assertThatThrownBy(() -> ApiContract.verify(ApiContract.Check.EXCHANGE, true, "GET", budget, Map.of(), null,
				401, PROBLEM, answer))
			.isInstanceOf(AssertionError.class);
		assertThatCode(() -> ApiContract.verify(ApiContract.Check.EXCHANGE, false, "GET", budget, Map.of(), null, 401,
				PROBLEM, answer))
			.doesNotThrowAnyException();
	}

	@Test
	void anUnknownRouteMustStillAnswerAProblem() {
		URI unknown = URI.create("http://localhost/v1/nothing-here");

		assertThatThrownBy(() -> ApiContract.verify(ApiContract.Check.RESPONSE_ONLY, true, "GET", unknown, Map.of(),
				null, 404, JSON, "{\"error\": \"not found\"}"))
			.isInstanceOf(AssertionError.class);
		assertThatThrownBy(() -> ApiContract.verify(ApiContract.Check.RESPONSE_ONLY, true, "GET", unknown, Map.of(),
				null, 404, PROBLEM, "{\"status\": 404}"))
			.isInstanceOf(AssertionError.class);
		assertThatCode(() -> ApiContract.verify(ApiContract.Check.RESPONSE_ONLY, true, "GET", unknown, Map.of(), null,
				404, PROBLEM, NOT_FOUND))
			.doesNotThrowAnyException();
	}

	/**
	 * The validator checks schemas with JSON Schema draft 4 semantics (see
	 * {@link ApiContract}); these 3.1 keywords it would ignore or misread, so the spec
	 * must not rely on them until the validator moves to 2020-12.
	 */
	@Test
	void theSpecUsesNoSchemaKeywordTheValidatorWouldMisread() throws IOException {
		String spec = Files.readString(Path.of("openapi.yaml"));
		Matcher keywords = Pattern
			.compile("\\b(const|prefixItems|unevaluatedProperties|unevaluatedItems|dependentRequired"
					+ "|dependentSchemas|contains|minContains|maxContains|if|then|else|exclusiveMinimum"
					+ "|exclusiveMaximum|\\$defs|\\$dynamicRef|patternProperties|propertyNames):")
			.matcher(spec);

		assertThat(keywords.results().map(match -> match.group(1)).distinct().toList()).isEmpty();
	}

}
