package dev.budgetledger.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official OpenAI Java SDK's Responses API, pointed at the gateway, against a fake
 * OpenAI.
 */
class OpenAiResponsesGatewayIntegrationTests extends GatewayIntegrationTest {

	private static ResponseCreateParams.Builder ask(String model) {
		return ResponseCreateParams.builder()
			.model(model)
			.instructions("Be brief")
			.input("Say hello to the budget ledger");
	}

	@Test
	void aResponseWithinBudgetIsForwardedWithTheHeldLimitAndSettledFromItsUsage() {
		UUID budget = createBudget("10.00");
		String key = clientKey(budget);
		openai.usage = new FakeProvider.Usage(1000, 300, 400, 0, 200);

		HttpResponseFor<Response> response = openAiClient(key).responses()
			.withRawResponse()
			.create(ask("gpt-4o-2024-08-06").maxOutputTokens(500).build());

		assertThat(response.parse().output().get(0).asMessage().content().get(0).asOutputText().text())
			.isEqualTo("word0 word1 word2 word3 word4 ");
		FakeProvider.Received received = openai.last();
		assertThat(received.path()).isEqualTo("/v1/responses");
		assertThat(received.header("Authorization")).isEqualTo("Bearer " + OPENAI_KEY);
		assertThat(received.headers().toString()).doesNotContain(key);
		assertThat(received.body().path("max_output_tokens").asLong()).isEqualTo(500);
		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		// "Be brief" 2 and "Say hello to the budget ledger" 6 o200k tokens, 3 each, 3
		// priming the reply
		assertThat(hold.json().get("inputTokens").asLong()).isEqualTo(17);
		assertThat(hold.json().get("metadata").get("endpoint").asString()).isEqualTo("responses");
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(600);
		assertThat(hold.json().get("settledCacheReadTokens").asLong()).isEqualTo(400);
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(100);
		assertThat(hold.json().get("settledReasoningTokens").asLong()).isEqualTo(200);
		// 600 x 2.50 + 400 x 1.25 + (100 + 200) x 10.00, per million
		assertThat(hold.amount("charged")).isEqualByComparingTo("0.005");
		assertReconciled(budget, "0.005", "0");
	}

	@Test
	void aStreamedResponsePassesThroughAndIsSettledFromItsLastEventsUsage() {
		UUID budget = createBudget("10.00");
		List<String> text = new ArrayList<>();

		HttpResponseFor<StreamResponse<ResponseStreamEvent>> response = openAiClient(clientKey(budget)).responses()
			.withRawResponse()
			.createStreaming(ask("gpt-4o").maxOutputTokens(100).build());
		String holdId = response.headers().values("X-Budget-Hold-Id").get(0);
		List<ResponseStreamEvent> events;
		try (StreamResponse<ResponseStreamEvent> stream = response.parse()) {
			events = stream.stream().toList();
		}

		events.forEach(event -> event.outputTextDelta().ifPresent(delta -> text.add(delta.delta())));
		assertThat(String.join("", text)).isEqualTo("word0 word1 word2 word3 word4 ");
		assertThat(events).hasSize(7);
		assertThat(events.get(6).isCompleted()).isTrue();
		// nothing was added to the request: the usage comes with the last event anyway
		assertThat(openai.last().body().has("stream_options")).isFalse();
		Api.Response hold = hold(holdId);
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(100);
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(20);
		// 100 x 2.50 + 20 x 10, per million
		assertReconciled(budget, "0.00045", "0");
	}

	@Test
	void aStreamTheProviderBreaksOffEndsWithAnErrorAndIsChargedForWhatWasSent() {
		UUID budget = createBudget("10.00");
		openai.mode = FakeProvider.Mode.BREAK_MID_STREAM;

		HttpResponseFor<StreamResponse<ResponseStreamEvent>> response = openAiClient(clientKey(budget)).responses()
			.withRawResponse()
			.createStreaming(ask("gpt-4o").maxOutputTokens(1000).build());
		String holdId = response.headers().values("X-Budget-Hold-Id").get(0);
		List<String> seen = new ArrayList<>();
		assertThatThrownBy(() -> {
			try (StreamResponse<ResponseStreamEvent> stream = response.parse()) {
				stream.stream().forEach(event -> seen.add(event.isError() ? "error" : "event"));
			}
		}).hasMessageContaining("broke off");

		// created and "word0 ", "word1 " arrived before the cut; the SDK raised the error
		// event that followed
		assertThat(seen).containsExactly("event", "event", "event");
		Api.Response hold = hold(holdId);
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(17);
		// "word0 word1 " is 5 o200k tokens: what was sent before the cut, not the hold's
		// 1,000
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(5);
		// 17 x 2.50 + 5 x 10, per million
		assertThat(hold.amount("charged")).isEqualByComparingTo("0.0000925");
		assertReconciled(budget, "0.0000925", "0");
	}

	@Test
	void aCallThatReliesOnStateKeptAtOpenAiIsRefusedBeforeAnythingIsHeld() {
		UUID budget = createBudget("10.00");

		assertThatThrownBy(() -> openAiClient(clientKey(budget)).responses()
			.create(ask("gpt-4o").previousResponseId("resp_earlier").build()))
			.isInstanceOfSatisfying(BadRequestException.class, error -> {
				assertThat(error.code()).hasValue("invalid_request");
				assertThat(error.getMessage()).contains("previous_response_id").contains("cannot be counted");
			});
		assertThat(openai.received).isEmpty();
		assertThat(this.jdbc.sql("SELECT count(*) FROM reservations WHERE budget_id = :id")
			.param("id", budget)
			.query(Long.class)
			.single()).isZero();
	}

	@Test
	void aDeniedResponseNeverReachesTheProvider() {
		UUID budget = createBudget("0.0001");

		assertThatThrownBy(
				() -> openAiClient(clientKey(budget)).responses().create(ask("gpt-4o").maxOutputTokens(1000).build()))
			.isInstanceOfSatisfying(UnexpectedStatusCodeException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(402);
				assertThat(error.type()).hasValue("budget_exceeded");
			});
		assertThat(openai.received).isEmpty();
		assertReconciled(budget, "0", "0");
	}

}
