package dev.budgetledger.gateway;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.PaymentRequiredException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The official Anthropic Java SDK, pointed at the gateway (its key sent as x-api-key),
 * against a fake Anthropic.
 */
class AnthropicGatewayIntegrationTests extends GatewayIntegrationTest {

	private AnthropicClient client(String key, String... headers) {
		AnthropicOkHttpClient.Builder builder = AnthropicOkHttpClient.builder()
			.baseUrl(gateway() + "/anthropic")
			.apiKey(key)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30));
		for (int i = 0; i < headers.length; i += 2) {
			builder.putHeader(headers[i], headers[i + 1]);
		}
		return builder.build();
	}

	private static MessageCreateParams.Builder message(String model, long maxTokens) {
		return MessageCreateParams.builder()
			.model(model)
			.maxTokens(maxTokens)
			.addUserMessage("Say hello to the budget ledger");
	}

	@Test
	void aMessageWithinBudgetIsSettledWithCacheReadsAndWrites() {
		UUID budget = createBudget("10.00");
		String key = clientKey(budget);
		anthropic.usage = new FakeProvider.Usage(200, 50, 3000, 1000, 0);

		HttpResponseFor<Message> response = client(key, "X-Budget-Workflow", "triage", "X-Budget-Run", "run-7")
			.messages()
			.withRawResponse()
			.create(message("claude-sonnet-4-5-20250929", 1024).build());

		assertThat(response.parse().content().get(0).text())
			.hasValueSatisfying(text -> assertThat(text.text()).isEqualTo("word0 word1 word2 word3 word4 "));
		FakeProvider.Received received = anthropic.last();
		assertThat(received.path()).isEqualTo("/v1/messages");
		assertThat(received.header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
		// the SDK's own API version goes on (the gateway sends 2023-06-01 only when a
		// caller names none)
		assertThat(received.header("anthropic-version")).matches("\\d{4}-\\d{2}-\\d{2}");
		assertThat(received.headers().toString()).doesNotContain(key);
		assertThat(received.body().path("max_tokens").asLong()).isEqualTo(1024);
		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		// 34 bytes of strings ("user" and the 30-byte text) / 3, rounded up, plus 8 for
		// the message
		assertThat(hold.json().get("inputTokens").asLong()).isEqualTo(20);
		assertThat(hold.text("model")).isEqualTo("claude-sonnet-4-5-20250929");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(200);
		assertThat(hold.json().get("settledCacheReadTokens").asLong()).isEqualTo(3000);
		assertThat(hold.json().get("settledCacheWriteTokens").asLong()).isEqualTo(1000);
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(50);
		assertThat(hold.json().get("metadata").get("workflow").asString()).isEqualTo("triage");
		assertThat(hold.json().get("metadata").get("run").asString()).isEqualTo("run-7");
		// 200 x 3 + 3000 x 0.30 + 1000 x 3.75 + 50 x 15, per million
		assertReconciled(budget, "0.006", "0");
	}

	@Test
	void aDeniedMessageNeverReachesTheProviderAndRaisesTheSdksApiError() {
		UUID budget = createBudget("0.001");

		assertThatThrownBy(
				() -> client(clientKey(budget)).messages().create(message("claude-sonnet-4-5", 4096).build()))
			.isInstanceOfSatisfying(PaymentRequiredException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(402);
				assertThat(error.errorType())
					.hasValueSatisfying(type -> assertThat(type.asString()).isEqualTo("budget_exceeded"));
				assertThat(error.getMessage()).contains("INSUFFICIENT_FUNDS").contains("0.001 USD left");
			});
		assertThat(anthropic.received).isEmpty();
		assertReconciled(budget, "0", "0");
	}

	@Test
	void aSubjectHeaderChargesItsOwnChildAndAClosedChildIsDeniedInAnthropicsShape() {
		UUID parent = createBudget(Map.of("name", "tenant-" + UUID.randomUUID(), "limit", "100", "childTemplate",
				Map.of("limit", "1.00", "period", "DAILY")));
		String key = clientKey(parent);

		HttpResponseFor<Message> first = client(key, "X-Budget-Subject", "user-1").messages()
			.withRawResponse()
			.create(message("claude-sonnet-4-5", 100).build());
		client(key, "X-Budget-Subject", "user-2").messages().create(message("claude-sonnet-4-5", 100).build());

		JsonNode children = this.api.get("/v1/budgets?parentId=" + parent).json().get("items");
		assertThat(children).hasSize(2);
		String child = this.api.get("/v1/budgets?parentId=" + parent + "&subject=user-1")
			.json()
			.get("items")
			.get(0)
			.get("id")
			.asString();
		assertThat(hold(first.headers().values("X-Budget-Hold-Id").get(0)).text("budgetId")).isEqualTo(child);
		this.api.post("/v1/budgets/" + child + "/close", "");

		assertThatThrownBy(() -> client(key, "X-Budget-Subject", "user-1").messages()
			.create(message("claude-sonnet-4-5", 100).build()))
			.isInstanceOfSatisfying(PaymentRequiredException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(402);
				assertThat(error.errorType())
					.hasValueSatisfying(type -> assertThat(type.asString()).isEqualTo("budget_exceeded"));
				assertThat(error.getMessage()).contains("BUDGET_CLOSED");
				assertThat(error.headers().values("X-Budget-Reason")).containsExactly("BUDGET_CLOSED");
			});
		assertThat(anthropic.received).hasSize(2);
		assertLedgerReconciled();
	}

	@Test
	void aFullTokenWindowIsAnthropicsOwnRateLimitError() {
		UUID budget = createBudget(Map.of("limit", "10.00", "maxTokensPerMinute", 1500));
		String key = clientKey(budget);
		// Both calls in one minute window: the test starts just after a minute begins.
		Instant now = this.clock.instant();
		this.clock.advance(Duration.between(now, now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60)).plusMillis(200));

		client(key).messages().create(message("claude-sonnet-4-5", 1000).build());

		assertThatThrownBy(() -> client(key).messages().create(message("claude-sonnet-4-5", 1000).build()))
			.isInstanceOfSatisfying(RateLimitException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(429);
				assertThat(error.errorType())
					.hasValueSatisfying(type -> assertThat(type.asString()).isEqualTo("rate_limit_error"));
				assertThat(error.getMessage()).contains("TOKEN_RATE_LIMIT");
				assertThat(Long.parseLong(error.headers().values("Retry-After").get(0))).isBetween(1L, 60L);
			});
		assertThat(anthropic.received).hasSize(1);
		assertLedgerReconciled();
	}

	@Test
	void aMessageStreamPassesThroughAndIsSettledFromMessageDelta() {
		UUID budget = createBudget("10.00");
		anthropic.usage = new FakeProvider.Usage(40, 12, 0, 0, 0);

		HttpResponseFor<StreamResponse<RawMessageStreamEvent>> response = client(clientKey(budget)).messages()
			.withRawResponse()
			.createStreaming(message("claude-haiku-4-5", 200).build());
		List<RawMessageStreamEvent> events;
		try (StreamResponse<RawMessageStreamEvent> stream = response.parse()) {
			events = stream.stream().toList();
		}

		assertThat(events.get(0).isMessageStart()).isTrue();
		assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(40);
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(12);
		// 40 x 1 + 12 x 5, per million
		assertReconciled(budget, "0.0001", "0");
	}

	@Test
	void aCallerThatGoesAwayMidStreamIsChargedTheReportedInputAndTheOutputSentUntilThen() {
		UUID budget = createBudget("10.00");
		anthropic.usage = new FakeProvider.Usage(40, 999, 0, 0, 0);
		anthropic.mode = FakeProvider.Mode.SLOW_STREAM;
		anthropic.pieces = 200;
		anthropic.pause = Duration.ofMillis(20);

		HttpResponseFor<StreamResponse<RawMessageStreamEvent>> response = client(clientKey(budget)).messages()
			.withRawResponse()
			.createStreaming(message("claude-haiku-4-5", 2000).build());
		String holdId = response.headers().values("X-Budget-Hold-Id").get(0);
		try (StreamResponse<RawMessageStreamEvent> stream = response.parse()) {
			Iterator<RawMessageStreamEvent> events = stream.stream().iterator();
			for (int i = 0; i < 6; i++) {
				events.next();
			}
		}

		await().atMost(Duration.ofSeconds(10)).until(() -> "SETTLED".equals(hold(holdId).text("status")));
		Api.Response hold = hold(holdId);
		// input as message_start reported it, output estimated from the text sent (6
		// bytes a piece, 3 bytes a token)
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(40);
		assertThat(hold.json().get("settledOutputTokens").asLong()).isGreaterThanOrEqualTo(8).isLessThan(999);
		BigDecimal charged = hold.amount("charged");
		assertReconciled(budget, charged.toPlainString(), "0");
	}

	@Test
	void anOverloadedProviderReleasesTheHold() {
		UUID budget = createBudget("10.00");
		anthropic.mode = FakeProvider.Mode.FAIL_500;

		assertThatThrownBy(() -> client(clientKey(budget)).messages().create(message("claude-haiku-4-5", 100).build()))
			.isInstanceOfSatisfying(InternalServerException.class,
					error -> assertThat(error.statusCode()).isEqualTo(500));
		assertThat(anthropic.received).hasSize(1);
		assertReconciled(budget, "0", "0");
	}

	@Test
	void aKeyThatIsNotABudgetLedgerKeyIsUnauthorized() {
		assertThatThrownBy(() -> client("sk-ant-not-ours").messages().create(message("claude-haiku-4-5", 100).build()))
			.isInstanceOfSatisfying(AnthropicServiceException.class,
					error -> assertThat(error.statusCode()).isEqualTo(401));
		assertThat(anthropic.received).isEmpty();
	}

}
