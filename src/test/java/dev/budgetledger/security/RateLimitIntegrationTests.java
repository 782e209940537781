package dev.budgetledger.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-key rate limit, in a context of its own with a tiny bucket: 20 requests, then
 * one every 1000 s (the admin key that sets the tests up has such a bucket too, and uses
 * a few of its 20). Time is the test clock, so the refill is shown by moving it, not by
 * waiting. The context is closed afterwards so its limit cannot throttle other tests.
 */
@DirtiesContext
@TestPropertySource(properties = { "budget-ledger.security.rate-limit.requests-per-second=0.001",
		"budget-ledger.security.rate-limit.burst=20" })
class RateLimitIntegrationTests extends IntegrationTest {

	@Test
	void aKeyOverItsLimitGets429WithRetryAfterWhileOtherKeysGoOn() {
		Api agent = this.api.as(createKey(Map.of("name", "chatty agent", "role", "CLIENT")).text("secret"));

		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			statuses.add(agent.get("/v1/prices").status());
		}
		Api.Response limited = agent.get("/v1/prices");

		assertThat(statuses).containsOnly(200);
		assertThat(limited.status()).isEqualTo(429);
		assertThat(limited.contentType()).startsWith("application/problem+json");
		assertThat(limited.text("code")).isEqualTo("RATE_LIMITED");
		long retryAfter = Long.parseLong(limited.header("Retry-After").orElseThrow());
		assertThat(retryAfter).isBetween(1L, 1000L);
		assertThat(limited.json().get("retryAfter").asLong()).isEqualTo(retryAfter);
		assertThat(this.api.get("/v1/prices").status()).as("the admin key has a bucket of its own").isEqualTo(200);

		this.clock.advance(Duration.ofSeconds(retryAfter));

		assertThat(agent.get("/v1/prices").status()).isEqualTo(200);
		assertThat(agent.get("/v1/prices").status()).isEqualTo(429);
	}

	@Test
	void aLimitedRequestChangesNothing() {
		Api admin = this.api;
		UUID budget = createBudget("5.00");
		Api agent = this.api.as(clientKey(budget));
		for (int i = 0; i < 20; i++) {
			agent.get("/v1/budgets/" + budget);
		}

		Api.Response limited = agent.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"));

		assertThat(limited.status()).isEqualTo(429);
		assertThat(admin.get("/v1/budgets/" + budget).text("reserved")).isEqualTo("0.00");
	}

}
