package dev.budgetledger.gateway;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The official OpenAI Java SDK, pointed at the gateway, against a fake OpenAI. */
class OpenAiGatewayIntegrationTests extends GatewayIntegrationTest {

	private OpenAIClient client(String key, UUID budgetId, String... headers) {
		OpenAIOkHttpClient.Builder builder = OpenAIOkHttpClient.builder()
			.baseUrl(gateway() + "/openai/v1")
			.apiKey(key)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30));
		if (budgetId != null) {
			builder.putHeader("X-Budget-Id", budgetId.toString());
		}
		for (int i = 0; i < headers.length; i += 2) {
			builder.putHeader(headers[i], headers[i + 1]);
		}
		return builder.build();
	}

	private static ChatCompletionCreateParams.Builder chat(String model) {
		return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello to the budget ledger");
	}

	@Test
	void aCallWithinBudgetReachesTheProviderAndIsSettledFromItsUsage() {
		UUID budget = createBudget("10.00");
		String key = clientKey(budget);
		openai.usage = new FakeProvider.Usage(1000, 300, 400, 0, 200);

		HttpResponseFor<ChatCompletion> response = client(key, null).chat()
			.completions()
			.withRawResponse()
			.create(chat("gpt-4o-2024-08-06").maxCompletionTokens(500).build());

		ChatCompletion completion = response.parse();
		assertThat(completion.choices().get(0).message().content()).hasValue("word0 word1 word2 word3 word4 ");
		FakeProvider.Received received = openai.last();
		assertThat(received.path()).isEqualTo("/v1/chat/completions");
		// the operator's key goes upstream, the caller's never does
		assertThat(received.header("Authorization")).isEqualTo("Bearer " + OPENAI_KEY);
		assertThat(received.headers().toString()).doesNotContain(key);
		assertThat(received.body().path("model").asString()).isEqualTo("gpt-4o-2024-08-06");
		assertThat(received.body().path("max_completion_tokens").asLong()).isEqualTo(500);
		String holdId = response.headers().values("X-Budget-Hold-Id").get(0);
		assertThat(response.headers().values("X-Budget-Decision")).containsExactly("ALLOW");
		assertThat(response.headers().values("X-Budget-Model")).containsExactly("gpt-4o-2024-08-06");
		Api.Response hold = hold(holdId);
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(600);
		assertThat(hold.json().get("settledCacheReadTokens").asLong()).isEqualTo(400);
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(100);
		assertThat(hold.json().get("settledReasoningTokens").asLong()).isEqualTo(200);
		// 600 x 2.50 + 400 x 1.25 + (100 + 200) x 10.00, per million
		assertThat(hold.amount("charged")).isEqualByComparingTo("0.005");
		assertThat(hold.json().get("metadata").get("gateway").asString()).isEqualTo("openai");
		assertThat(response.headers().values("X-Budget-Remaining")).containsExactly("9.995");
		assertReconciled(budget, "0.005", "0");
	}

	@Test
	void theInputIsCountedWithTheModelsTokenizerAndTheModelsDefaultOutputIsHeld() {
		UUID budget = createBudget("10.00");

		HttpResponseFor<ChatCompletion> response = client(clientKey(budget), null).chat()
			.completions()
			.withRawResponse()
			.create(chat("gpt-4o").build());

		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		// "Say hello to the budget ledger" is 6 o200k tokens, "user" 1, plus 3 per
		// message and 3 for the reply
		assertThat(hold.json().get("inputTokens").asLong()).isEqualTo(13);
		assertThat(hold.json().get("maxOutputTokens").asLong()).isEqualTo(16384);
		assertThat(openai.last().body().path("max_completion_tokens").asLong()).isEqualTo(16384);
		assertThat(response.headers().values("X-Budget-Max-Output-Tokens")).containsExactly("16384");
	}

	@Test
	void aDeniedCallNeverReachesTheProviderAndRaisesTheSdksApiError() {
		UUID budget = createBudget("0.0001");

		assertThatThrownBy(() -> client(clientKey(budget), null).chat()
			.completions()
			.create(chat("gpt-4o").maxCompletionTokens(1000).build()))
			.isInstanceOfSatisfying(UnexpectedStatusCodeException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(402);
				assertThat(error.code()).hasValue("insufficient_funds");
				assertThat(error.type()).hasValue("budget_exceeded");
				assertThat(error.getMessage()).contains("INSUFFICIENT_FUNDS").contains("0.0001 USD left");
				assertThat(error.headers().values("X-Budget-Remaining")).containsExactly("0.0001");
			});
		assertThat(openai.received).isEmpty();
		assertReconciled(budget, "0", "0");
	}

	@Test
	void aBudgetOutsideTheKeysScopeIsNotFound() {
		UUID mine = createBudget("10.00");
		UUID other = createBudget("10.00");

		assertThatThrownBy(() -> client(clientKey(mine), other).chat().completions().create(chat("gpt-4o").build()))
			.isInstanceOfSatisfying(OpenAIServiceException.class,
					error -> assertThat(error.statusCode()).isEqualTo(404));
		assertThat(openai.received).isEmpty();
	}

	@Test
	void anUnknownModelIsRefusedInTheProvidersShape() {
		UUID budget = createBudget("10.00");

		assertThatThrownBy(() -> client(clientKey(budget), null).chat().completions().create(chat("gpt-99").build()))
			.isInstanceOfSatisfying(OpenAIServiceException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(400);
				assertThat(error.code()).hasValue("unknown_model");
			});
		assertThat(openai.received).isEmpty();
	}

	@Test
	void aModelNameTheLedgerCouldNotStoreIsRefused() {
		UUID budget = createBudget("10.00");

		assertThatThrownBy(() -> client(clientKey(budget), null).chat()
			.completions()
			.create(chat("a".repeat(190) + "/gpt-4o-2024-08-06").build()))
			.isInstanceOfSatisfying(OpenAIServiceException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(400);
				assertThat(error.code()).hasValue("invalid_request");
			});
		assertThat(openai.received).isEmpty();
		assertReconciled(budget, "0", "0");
	}

	@Test
	void aDowngradeForwardsTheFallbackModel() {
		// gpt-4o with 1000 output tokens needs about 0.01; gpt-4o-mini about 0.0006
		UUID budget = createBudget("0.005");

		HttpResponseFor<ChatCompletion> response = client(clientKey(budget), null, "X-Budget-Fallback-Models",
				"gpt-4o-mini")
			.chat()
			.completions()
			.withRawResponse()
			.create(chat("gpt-4o").maxCompletionTokens(1000).build());

		assertThat(response.parse().choices()).hasSize(1);
		assertThat(openai.last().body().path("model").asString()).isEqualTo("gpt-4o-mini");
		assertThat(response.headers().values("X-Budget-Decision")).containsExactly("DOWNGRADED");
		assertThat(response.headers().values("X-Budget-Model")).containsExactly("gpt-4o-mini");
		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		assertThat(hold.text("requestedModel")).isEqualTo("gpt-4o");
		// 100 x 0.15 + 20 x 0.60, per million
		assertReconciled(budget, "0.000027", "0");
	}

	@Test
	void aModelTheBudgetDoesNotAllowNeverReachesTheProviderUnlessAnAllowedFallbackIsGiven() {
		UUID team = createBudget(Map.of("limit", "10.00", "allowedModels", List.of("gpt-4o-mini")));
		UUID agent = createBudget(Map.of("limit", "10.00", "parentId", team));
		String key = clientKey(agent);

		assertThatThrownBy(() -> client(key, null).chat().completions().create(chat("gpt-4o").build()))
			.isInstanceOfSatisfying(UnexpectedStatusCodeException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(402);
				assertThat(error.code()).hasValue("model_not_allowed");
				assertThat(error.getMessage()).contains("MODEL_NOT_ALLOWED").contains("does not allow");
				assertThat(error.headers().values("X-Budget-Reason")).containsExactly("MODEL_NOT_ALLOWED");
			});
		assertThat(openai.received).isEmpty();

		HttpResponseFor<ChatCompletion> response = client(key, null, "X-Budget-Fallback-Models",
				"gpt-4o-mini-2024-07-18")
			.chat()
			.completions()
			.withRawResponse()
			.create(chat("gpt-4o").maxCompletionTokens(1000).build());

		assertThat(openai.last().body().path("model").asString()).isEqualTo("gpt-4o-mini-2024-07-18");
		assertThat(response.headers().values("X-Budget-Decision")).containsExactly("DOWNGRADED");
		assertLedgerReconciled();
	}

	@Test
	void aBudgetsHoldCapIsTheOutputLimitTheProviderIsAskedFor() {
		UUID budget = createBudget(Map.of("limit", "10.00", "maxHoldOutputTokens", 500));

		HttpResponseFor<ChatCompletion> response = client(clientKey(budget), null).chat()
			.completions()
			.withRawResponse()
			.create(chat("gpt-4o").maxCompletionTokens(4000).build());

		assertThat(response.headers().values("X-Budget-Decision")).containsExactly("CAPPED");
		assertThat(openai.last().body().path("max_completion_tokens").asLong()).isEqualTo(500);
		assertThat(hold(response.headers().values("X-Budget-Hold-Id").get(0)).json().get("maxOutputTokens").asLong())
			.isEqualTo(500);
		assertLedgerReconciled();
	}

	@Test
	void aFullMinuteWindowIsTheProvidersOwnRateLimitAndARunCapNamesTheRun() {
		UUID budget = createBudget(Map.of("limit", "10.00", "maxRequestsPerMinute", 1, "maxCallsPerRun", 5));
		String key = clientKey(budget);
		// Both calls in one minute window: the test starts just after a minute begins.
		Instant now = this.clock.instant();
		this.clock.advance(Duration.between(now, now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60)).plusMillis(200));
		String run = "loop-" + UUID.randomUUID();

		HttpResponseFor<ChatCompletion> first = client(key, null, "X-Budget-Run", run).chat()
			.completions()
			.withRawResponse()
			.create(chat("gpt-4o").maxCompletionTokens(100).build());

		assertThat(hold(first.headers().values("X-Budget-Hold-Id").get(0)).text("runId")).isEqualTo(run);
		assertThat(openai.received).hasSize(1);
		assertThatThrownBy(() -> client(key, null, "X-Budget-Run", run).chat()
			.completions()
			.create(chat("gpt-4o").maxCompletionTokens(100).build()))
			.isInstanceOfSatisfying(RateLimitException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(429);
				assertThat(error.code()).hasValue("rate_limit_exceeded");
				assertThat(error.getMessage()).contains("REQUEST_RATE_LIMIT");
				assertThat(error.headers().values("X-Budget-Reason")).containsExactly("REQUEST_RATE_LIMIT");
				assertThat(Long.parseLong(error.headers().values("Retry-After").get(0))).isBetween(1L, 60L);
			});
		assertThat(openai.received).hasSize(1);
		assertLedgerReconciled();
	}

	/** A parent of $100 whose end users each get a $1.00 daily child on first use. */
	private UUID parentWithTemplate() {
		return createBudget(Map.of("name", "tenant-" + UUID.randomUUID(), "limit", "100", "childTemplate",
				Map.of("limit", "1.00", "period", "DAILY")));
	}

	/** The child of {@code parent} for {@code subject}, as the API lists it. */
	private List<String> children(UUID parent, String subject) {
		List<String> ids = new ArrayList<>();
		this.api.get("/v1/budgets?parentId=" + parent + "&subject=" + subject)
			.json()
			.get("items")
			.forEach(item -> ids.add(item.get("id").asString()));
		return ids;
	}

	private static ChatCompletionCreateParams forSubject(String subject) {
		// Per request, as Python's extra_headers: one client serves every end user.
		return chat("gpt-4o").maxCompletionTokens(100).putAdditionalHeader("X-Budget-Subject", subject).build();
	}

	@Test
	void aSubjectHeaderChargesThatSubjectsChildMadeFromTheTemplateAndTwoSubjectsGetTwo() {
		UUID parent = parentWithTemplate();
		OpenAIClient client = client(clientKey(parent), null);

		HttpResponseFor<ChatCompletion> first = client.chat()
			.completions()
			.withRawResponse()
			.create(forSubject("user-1"));
		HttpResponseFor<ChatCompletion> again = client.chat()
			.completions()
			.withRawResponse()
			.create(forSubject("user-1"));
		HttpResponseFor<ChatCompletion> other = client.chat()
			.completions()
			.withRawResponse()
			.create(forSubject("user-2"));

		List<String> user1 = children(parent, "user-1");
		List<String> user2 = children(parent, "user-2");
		assertThat(user1).hasSize(1);
		assertThat(user2).hasSize(1).doesNotContainAnyElementsOf(user1);
		assertThat(hold(first.headers().values("X-Budget-Hold-Id").get(0)).text("budgetId")).isEqualTo(user1.get(0));
		assertThat(hold(again.headers().values("X-Budget-Hold-Id").get(0)).text("budgetId")).isEqualTo(user1.get(0));
		assertThat(hold(other.headers().values("X-Budget-Hold-Id").get(0)).text("budgetId")).isEqualTo(user2.get(0));
		// X-Budget-Remaining is the child's: what is left of its $1.00
		assertThat(new BigDecimal(other.headers().values("X-Budget-Remaining").get(0)))
			.isLessThan(new BigDecimal("1.00"));
		Api.Response child = budget(UUID.fromString(user1.get(0)));
		assertThat(child.text("limit")).isEqualTo("1.00");
		assertThat(child.text("parentId")).isEqualTo(parent.toString());
		assertThat(openai.received).hasSize(3);
		assertLedgerReconciled();
	}

	@Test
	void aClosedSubjectsCallNeverReachesTheProviderAndIsDeniedBudgetClosed() {
		UUID parent = parentWithTemplate();
		OpenAIClient client = client(clientKey(parent), null);
		client.chat().completions().create(forSubject("user-1"));
		String child = children(parent, "user-1").get(0);
		assertThat(this.api.post("/v1/budgets/" + child + "/close", "").status()).isEqualTo(200);

		assertThatThrownBy(() -> client.chat().completions().create(forSubject("user-1")))
			.isInstanceOfSatisfying(UnexpectedStatusCodeException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(402);
				assertThat(error.type()).hasValue("budget_exceeded");
				assertThat(error.code()).hasValue("budget_closed");
				assertThat(error.getMessage()).contains("BUDGET_CLOSED").contains(child);
				assertThat(error.headers().values("X-Budget-Reason")).containsExactly("BUDGET_CLOSED");
			});
		assertThat(openai.received).hasSize(1);
		// The other end users of the parent go on.
		client.chat().completions().create(forSubject("user-2"));
		assertThat(openai.received).hasSize(2);
		assertLedgerReconciled();
	}

	@Test
	void aSubjectsCallsKeepTheirRunSoThePerRunCapsApply() {
		UUID parent = createBudget(Map.of("name", "tenant-" + UUID.randomUUID(), "limit", "100", "maxCallsPerRun", 1,
				"childTemplate", Map.of("limit", "1.00")));
		OpenAIClient client = client(clientKey(parent), null, "X-Budget-Run", "run-1");

		HttpResponseFor<ChatCompletion> first = client.chat()
			.completions()
			.withRawResponse()
			.create(forSubject("user-1"));

		assertThat(hold(first.headers().values("X-Budget-Hold-Id").get(0)).text("runId")).isEqualTo("run-1");
		assertThatThrownBy(() -> client.chat().completions().create(forSubject("user-1")))
			.isInstanceOfSatisfying(UnexpectedStatusCodeException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(402);
				assertThat(error.code()).hasValue("run_call_limit");
			});
		assertThat(openai.received).hasSize(1);
		assertLedgerReconciled();
	}

	@Test
	void aBadSubjectOrAParentWithoutTemplateIsRefusedInTheProvidersShape() {
		UUID plain = createBudget("10.00");
		UUID parent = parentWithTemplate();

		assertThatThrownBy(
				() -> client(clientKey(parent), null).chat().completions().create(forSubject("u".repeat(129))))
			.isInstanceOfSatisfying(OpenAIServiceException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(400);
				assertThat(error.code()).hasValue("invalid_request");
				assertThat(error.getMessage()).contains("X-Budget-Subject");
			});
		assertThatThrownBy(() -> client(clientKey(plain), null).chat().completions().create(forSubject("user-1")))
			.isInstanceOfSatisfying(OpenAIServiceException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(422);
				assertThat(error.code()).hasValue("no_child_template");
				assertThat(error.getMessage()).contains("childTemplate");
			});
		assertThat(openai.received).isEmpty();
		assertThat(this.api.get("/v1/budgets?parentId=" + parent).json().get("items")).isEmpty();
		assertThat(this.api.get("/v1/budgets?parentId=" + plain).json().get("items")).isEmpty();
		assertLedgerReconciled();
	}

	@Test
	void aCappedAllowForwardsTheGrantedMaxTokens() {
		// room for 13 input and 487 output tokens of gpt-4o: (13 x 2.50 + 487 x 10) /
		// 10^6 = 0.0049025
		UUID budget = createBudget("0.0049025");

		HttpResponseFor<ChatCompletion> response = client(clientKey(budget), null, "X-Budget-Min-Output-Tokens", "100")
			.chat()
			.completions()
			.withRawResponse()
			.create(chat("gpt-4o").maxCompletionTokens(4000).build());

		assertThat(response.headers().values("X-Budget-Decision")).containsExactly("CAPPED");
		assertThat(openai.last().body().path("max_completion_tokens").asLong()).isEqualTo(487);
		assertThat(response.headers().values("X-Budget-Max-Output-Tokens")).containsExactly("487");
		assertReconciled(budget, "0.00045", "0");
	}

	@Test
	void aStreamPassesThroughAndIsSettledFromTheUsageItWasAskedFor() {
		UUID budget = createBudget("10.00");
		openai.usage = new FakeProvider.Usage(50, 10, 0, 0, 0);
		List<String> pieces = new ArrayList<>();

		HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client(clientKey(budget), null).chat()
			.completions()
			.withRawResponse()
			.createStreaming(chat("gpt-4o").maxCompletionTokens(100).build());
		List<ChatCompletionChunk> chunks;
		try (StreamResponse<ChatCompletionChunk> stream = response.parse()) {
			chunks = stream.stream().toList();
		}

		chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(pieces::add)));
		assertThat(String.join("", pieces)).isEqualTo("word0 word1 word2 word3 word4 ");
		// the gateway asked for usage; the caller did not, so the usage chunk is kept
		// back
		assertThat(openai.last().body().path("stream_options").path("include_usage").asBoolean()).isTrue();
		assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.choices()).isNotEmpty());
		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(50);
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(10);
		// 50 x 2.50 + 10 x 10, per million
		assertReconciled(budget, "0.000225", "0");
	}

	@Test
	void aCallerThatAskedForUsageGetsTheUsageChunk() {
		UUID budget = createBudget("10.00");

		List<ChatCompletionChunk> chunks;
		try (StreamResponse<ChatCompletionChunk> stream = client(clientKey(budget), null).chat()
			.completions()
			.createStreaming(chat("gpt-4o").maxCompletionTokens(100)
				.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
				.build())) {
			chunks = stream.stream().toList();
		}

		assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(usage -> {
			assertThat(usage.promptTokens()).isEqualTo(100);
			assertThat(usage.completionTokens()).isEqualTo(20);
		});
		assertReconciled(budget, "0.00045", "0");
	}

	@Test
	void aClientThatGoesAwayMidStreamIsChargedForWhatWasSentUntilThen() {
		UUID budget = createBudget("10.00");
		openai.mode = FakeProvider.Mode.SLOW_STREAM;
		openai.pieces = 200;
		openai.pause = Duration.ofMillis(20);

		HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client(clientKey(budget), null).chat()
			.completions()
			.withRawResponse()
			.createStreaming(chat("gpt-4o").maxCompletionTokens(1000).build());
		String holdId = response.headers().values("X-Budget-Hold-Id").get(0);
		try (StreamResponse<ChatCompletionChunk> stream = response.parse()) {
			Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
			for (int i = 0; i < 5; i++) {
				chunks.next();
			}
		}

		await().atMost(Duration.ofSeconds(10)).until(() -> "SETTLED".equals(hold(holdId).text("status")));
		Api.Response hold = hold(holdId);
		long output = hold.json().get("settledOutputTokens").asLong();
		// each piece "wordN " is two or three tokens; the caller read 4 of them before it
		// hung up
		assertThat(output).isGreaterThanOrEqualTo(4).isLessThan(400);
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(13);
		// the gateway stopped reading: the provider's stream was cut before its end
		await().atMost(Duration.ofSeconds(10)).until(() -> openai.streamsCut.get() == 1);
		BigDecimal charged = hold.amount("charged");
		assertThat(charged).isGreaterThan(BigDecimal.ZERO);
		assertReconciled(budget, charged.toPlainString(), "0");
	}

	@Test
	void aStreamTheProviderBreaksOffRaisesAnErrorAndIsChargedForWhatWasSent() {
		UUID budget = createBudget("10.00");
		openai.mode = FakeProvider.Mode.BREAK_MID_STREAM;
		List<String> pieces = new ArrayList<>();

		HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client(clientKey(budget), null).chat()
			.completions()
			.withRawResponse()
			.createStreaming(chat("gpt-4o").maxCompletionTokens(1000).build());
		String holdId = response.headers().values("X-Budget-Hold-Id").get(0);
		assertThatThrownBy(() -> {
			try (StreamResponse<ChatCompletionChunk> stream = response.parse()) {
				stream.stream()
					.forEach(chunk -> chunk.choices()
						.forEach(choice -> choice.delta().content().ifPresent(pieces::add)));
			}
		}).hasMessageContaining("broke off");

		// the role chunk and "word0 ", "word1 " arrived before the cut
		assertThat(String.join("", pieces)).isEqualTo("word0 word1 ");
		Api.Response hold = hold(holdId);
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(13);
		// "word0 word1 " is 5 o200k tokens
		assertThat(hold.json().get("settledOutputTokens").asLong()).isEqualTo(5);
		// 13 x 2.50 + 5 x 10, per million
		assertReconciled(budget, "0.0000825", "0");
	}

	@Test
	void anUpstreamErrorReleasesTheHoldAndPassesTheErrorOn() {
		UUID budget = createBudget("10.00");
		openai.mode = FakeProvider.Mode.FAIL_500;

		assertThatThrownBy(() -> client(clientKey(budget), null).chat()
			.completions()
			.create(chat("gpt-4o").maxCompletionTokens(100).build()))
			.isInstanceOfSatisfying(InternalServerException.class, error -> {
				assertThat(error.statusCode()).isEqualTo(500);
				assertThat(error.getMessage()).contains("The server had an error");
			});
		String holdId = openai.received.isEmpty() ? null : lastHold(budget);
		assertThat(hold(holdId).text("status")).isEqualTo("RELEASED");
		assertReconciled(budget, "0", "0");
	}

	@Test
	void aProviderThatNeverAnswersIsChargedTheWholeHold() {
		UUID budget = createBudget("10.00");
		openai.mode = FakeProvider.Mode.HANG;

		assertThatThrownBy(() -> client(clientKey(budget), null).chat()
			.completions()
			.create(chat("gpt-4o").maxCompletionTokens(100).build())).isInstanceOfSatisfying(
					InternalServerException.class, error -> assertThat(error.statusCode()).isEqualTo(504));
		Api.Response hold = hold(lastHold(budget));
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		// the outcome cannot be known: 13 x 2.50 + 100 x 10, per million
		assertThat(hold.amount("charged")).isEqualByComparingTo(hold.amount("amount"))
			.isEqualByComparingTo("0.0010325");
		assertReconciled(budget, "0.0010325", "0");
	}

	@Test
	void aConnectionTheProviderClosedAtOnceIsSentAgainOnceAndSettledFromItsUsage() {
		UUID budget = createBudget("10.00");
		OpenAIClient client = client(clientKey(budget), null);
		openai.mode = FakeProvider.Mode.DROP_ONCE;

		ChatCompletion completion = client.chat().completions().create(chat("gpt-4o").maxCompletionTokens(100).build());

		assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(20);
		assertThat(openai.received).hasSize(2); // the dropped request and the one sent
												// again
		Api.Response hold = hold(lastHold(budget));
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		// the provider's usage, 100 x 2.50 + 20 x 10 per million: not the whole hold
		assertReconciled(budget, "0.00045", "0");

		openai.mode = FakeProvider.Mode.DROP_ONCE;
		try (StreamResponse<ChatCompletionChunk> stream = client.chat()
			.completions()
			.createStreaming(chat("gpt-4o").maxCompletionTokens(100).build())) {
			assertThat(stream.stream().count()).isEqualTo(7);
		}
		assertThat(openai.received).hasSize(4);
		assertReconciled(budget, "0.0009", "0");
	}

	@Test
	void aConnectionDroppedLaterIsNotSentAgainAndChargedTheWholeHold() {
		UUID budget = createBudget("10.00");
		openai.mode = FakeProvider.Mode.DROP_LATE;

		assertThatThrownBy(() -> client(clientKey(budget), null).chat()
			.completions()
			.create(chat("gpt-4o").maxCompletionTokens(100).build())).isInstanceOfSatisfying(
					InternalServerException.class, error -> assertThat(error.statusCode()).isEqualTo(504));
		assertThat(openai.received).hasSize(1);
		// the provider may have done the work: 13 x 2.50 + 100 x 10, per million
		assertReconciled(budget, "0.0010325", "0");
	}

	@Test
	void aStreamLongerThanTheHoldsLifetimeKeepsItsHold() {
		UUID budget = createBudget("10.00");
		openai.mode = FakeProvider.Mode.SLOW_STREAM;
		openai.pieces = 16;
		openai.pause = Duration.ofMillis(250);
		Instant start = Instant.now();

		HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client(clientKey(budget), null).chat()
			.completions()
			.withRawResponse()
			.createStreaming(chat("gpt-4o").maxCompletionTokens(100).build());
		try (StreamResponse<ChatCompletionChunk> stream = response.parse()) {
			assertThat(stream.stream().count()).isEqualTo(18);
		}

		// the stream outlived the 3 s hold, which was extended at each half-life and
		// settled on time
		assertThat(Duration.between(start, Instant.now())).isGreaterThan(Duration.ofSeconds(3));
		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		assertThat(hold.text("status")).isEqualTo("SETTLED");
		assertThat(hold.json().get("late").asBoolean()).isFalse();
		assertThat(Instant.parse(hold.text("expiresAt"))).isAfter(Instant.parse(hold.text("createdAt")).plusSeconds(3));
		assertReconciled(budget, "0.00045", "0");
	}

	@Test
	void sixteenConcurrentStreamsOnABudgetForFiveLetExactlyFiveReachTheProvider() throws Exception {
		// What one call holds: 13 input and 100 output tokens of gpt-4o
		BigDecimal perCall = new BigDecimal("0.0010325");
		UUID budget = createBudget(perCall.multiply(BigDecimal.valueOf(5)).toPlainString());
		String key = clientKey(budget);
		CountDownLatch gate = new CountDownLatch(1);
		openai.gate = gate;
		AtomicInteger denied = new AtomicInteger();
		AtomicInteger completed = new AtomicInteger();
		OpenAIClient client = client(key, null);

		Thread opener = new Thread(() -> {
			await().atMost(Duration.ofSeconds(20)).until(() -> openai.received.size() + denied.get() == 16);
			gate.countDown();
		});
		opener.start();
		List<String> outcomes = Concurrently.run(16, 16, i -> {
			try (StreamResponse<ChatCompletionChunk> stream = client.chat()
				.completions()
				.createStreaming(chat("gpt-4o").maxCompletionTokens(100).build())) {
				stream.stream().count();
				completed.incrementAndGet();
				return "completed";
			}
			catch (UnexpectedStatusCodeException ex) {
				denied.incrementAndGet();
				return "denied " + ex.statusCode();
			}
		});
		opener.join();

		assertThat(openai.received).hasSize(5);
		assertThat(completed.get()).isEqualTo(5);
		assertThat(denied.get()).isEqualTo(11);
		assertThat(outcomes).filteredOn(outcome -> outcome.startsWith("denied")).containsOnly("denied 402");
		// each of the five settled 100 input and 20 output tokens: 0.00045
		assertReconciled(budget, "0.00225", "0");
	}

	/**
	 * The newest reservation on a budget (for calls whose answer carried no headers to
	 * the SDK's caller).
	 */
	private String lastHold(UUID budget) {
		return this.jdbc.sql("SELECT id FROM reservations WHERE budget_id = :budget ORDER BY created_at DESC LIMIT 1")
			.param("budget", budget)
			.query(UUID.class)
			.single()
			.toString();
	}

}
