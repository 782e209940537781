package dev.budgetledger.tracing;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every response names its request, and every error body carries the same id (and the
 * caller's trace id).
 */
class CorrelationIntegrationTests extends IntegrationTest {

	private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

	@Test
	void everyResponseHasARequestIdAndAnErrorBodyNamesTheSameOne() {
		Api.Response ok = this.api.get("/v1/prices");
		Api.Response missing = this.api.get("/v1/budgets/" + UUID.randomUUID());

		assertThat(ok.header("X-Request-Id")).hasValueSatisfying(id -> assertThat(id).isNotBlank());
		assertThat(missing.status()).isEqualTo(404);
		assertThat(missing.text("requestId")).isEqualTo(missing.header("X-Request-Id").orElseThrow());
		assertThat(missing.text("requestId")).isNotEqualTo(ok.header("X-Request-Id").orElseThrow());
	}

	@Test
	void aCallersRequestIdIsKeptWhenItIsAShortToken() {
		Api.Response response = this.api.send("GET", "/v1/budgets/" + UUID.randomUUID(), null, "", "X-Request-Id",
				"gw-7f3a.12:9");

		assertThat(response.header("X-Request-Id")).hasValue("gw-7f3a.12:9");
		assertThat(response.text("requestId")).isEqualTo("gw-7f3a.12:9");
	}

	@Test
	void aRequestIdThatCouldForgeLogLinesIsReplaced() {
		String forged = "abc\" injected=\"1";
		Api.Response response = this.api.send("GET", "/v1/budgets/" + UUID.randomUUID(), null, "", "X-Request-Id",
				forged);

		assertThat(response.text("requestId")).isNotEqualTo(forged).matches("[0-9a-f-]{36}");
		assertThat(response.header("X-Request-Id")).hasValue(response.text("requestId"));
	}

	@Test
	void aW3cTraceparentPutsItsTraceIdIntoTheErrorBody() {
		Api.Response traced = this.api.send("GET", "/v1/budgets/" + UUID.randomUUID(), null, "", "traceparent",
				TRACEPARENT);
		Api.Response malformed = this.api.send("GET", "/v1/budgets/" + UUID.randomUUID(), null, "", "traceparent",
				"00-" + "0".repeat(32) + "-00f067aa0ba902b7-01");

		assertThat(traced.text("traceId")).isEqualTo(TRACE_ID);
		assertThat(malformed.json().has("traceId")).isFalse();
	}

	@Test
	void problemsWrittenOutsideTheControllersCarryTheIdToo() {
		Api.Response unauthenticated = this.api.anonymous().get("/v1/prices");
		Api.Response denied = reserve(createBudget("1.00"), "5.00");

		assertThat(unauthenticated.status()).isEqualTo(401);
		assertThat(unauthenticated.text("requestId")).isEqualTo(unauthenticated.header("X-Request-Id").orElseThrow());
		assertThat(denied.status()).isEqualTo(402);
		assertThat(denied.text("requestId")).isEqualTo(denied.header("X-Request-Id").orElseThrow());
	}

}
