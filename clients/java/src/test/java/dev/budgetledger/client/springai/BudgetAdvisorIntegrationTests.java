package dev.budgetledger.client.springai;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.budgetledger.client.Budget;
import dev.budgetledger.client.BudgetDeniedException;
import dev.budgetledger.client.BudgetLedgerClient;
import dev.budgetledger.client.Reservation;
import dev.budgetledger.client.support.FakeOpenAi;
import dev.budgetledger.client.support.HangUp;
import dev.budgetledger.client.support.RunningService;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatRuntimeException;

/**
 * A Spring AI {@code ChatClient} with Spring AI's OpenAI model, the advisor and the real service; only the LLM is
 * a local fake that answers like the OpenAI chat completions API.
 */
class BudgetAdvisorIntegrationTests {

	private static final String PROMPT = "Summarise this support ticket in one line: the printer is on fire.";

	private final RunningService service = RunningService.get();

	private final BudgetLedgerClient ledger = this.service.adminClient();

	private static final JTokkitTokenCountEstimator ESTIMATOR = new JTokkitTokenCountEstimator();

	private final FakeOpenAi llm = new FakeOpenAi();

	@AfterEach
	void stopLlm() {
		this.llm.close();
	}

	@Test
	void aCallIsHeldForItsWorstCaseAndSettledWithTheUsageTheModelReports() {
		UUID budget = this.service.createBudget("5.00");
		this.llm.reportUsage(50, 20);
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		ChatClientResponse response = chat.prompt()
			.user(PROMPT)
			.options(OpenAiChatOptions.builder().maxTokens(300))
			.call()
			.chatClientResponse();

		assertThat(response.chatResponse().getResult().getOutput().getText()).isEqualTo("Hello from the fake LLM");
		Reservation hold = (Reservation) response.context().get(BudgetAdvisor.RESERVATION);
		assertThat(hold.model()).isEqualTo("gpt-4o");
		assertThat(hold.inputTokens()).isEqualTo(new JTokkitTokenCountEstimator().estimate(PROMPT) + 4 + 3);
		assertThat(hold.maxOutputTokens()).isEqualTo(300);
		Reservation settled = this.ledger.reservation(hold.id());
		assertThat(settled.status()).isEqualTo("SETTLED");
		// 50 input tokens at 2.50 and 20 output tokens at 10.00 per million (gpt-4o in the service's catalog)
		assertThat(settled.charged()).isEqualByComparingTo("0.000325");
		Budget after = this.ledger.budget(budget);
		assertThat(after.spent()).isEqualByComparingTo("0.000325");
		assertThat(after.reserved()).isEqualByComparingTo("0");
		assertThat(this.llm.requests()).singleElement().satisfies(request -> {
			assertThat(request.get("model")).isEqualTo("gpt-4o");
			assertThat(request.get("max_tokens")).isEqualTo(300);
		});
	}

	@Test
	void aDenyStopsTheCallBeforeTheModelIsAsked() {
		UUID budget = this.service.createBudget("0.001");
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).defaultMaxOutputTokens(1000).build());

		assertThatExceptionOfType(BudgetDeniedException.class)
			.isThrownBy(() -> chat.prompt().user(PROMPT).call().content())
			.satisfies(denied -> {
				assertThat(denied.reason()).isEqualTo("INSUFFICIENT_FUNDS");
				assertThat(denied.available()).isEqualByComparingTo("0.001");
			});
		assertThat(this.llm.requests()).isEmpty();
		Budget after = this.ledger.budget(budget);
		assertThat(after.reserved()).isEqualByComparingTo("0");
		assertThat(after.deniedCount()).isEqualTo(1);
	}

	@Test
	void whenTheModelDoesNotFitTheCallGoesToTheFallbackModelTheServiceChose() {
		// gpt-4o's worst case for 1000 output tokens is about 0.01; gpt-4o-mini's about 0.0006
		UUID budget = this.service.createBudget("0.005");
		this.llm.reportUsage(50, 20);
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget)
			.defaultMaxOutputTokens(1000)
			.fallbackModels(List.of("gpt-4o-mini"))
			.build());

		ChatClientResponse response = chat.prompt().user(PROMPT).call().chatClientResponse();

		Reservation hold = (Reservation) response.context().get(BudgetAdvisor.RESERVATION);
		assertThat(hold.downgraded()).isTrue();
		assertThat(hold.requestedModel()).isEqualTo("gpt-4o");
		assertThat(hold.model()).isEqualTo("gpt-4o-mini");
		assertThat(this.llm.requests()).singleElement()
			.satisfies(request -> assertThat(request.get("model")).isEqualTo("gpt-4o-mini"));
		// 50 input tokens at 0.15 and 20 output tokens at 0.60 per million (gpt-4o-mini)
		assertThat(this.ledger.budget(budget).spent()).isEqualByComparingTo("0.0000195");
	}

	@Test
	void aFailedCallReleasesItsHold() {
		UUID budget = this.service.createBudget("5.00");
		this.llm.failWith(500);
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		assertThatRuntimeException().isThrownBy(() -> chat.prompt().user(PROMPT).call().content())
			.isNotInstanceOf(BudgetDeniedException.class);

		assertThat(this.llm.requests()).hasSize(1);
		Budget after = this.ledger.budget(budget);
		assertThat(after.callsInPeriod()).isEqualTo(1);
		assertThat(after.heldCount()).isZero();
		assertThat(after.reserved()).isEqualByComparingTo("0");
		assertThat(after.spent()).isEqualByComparingTo("0");
	}

	@Test
	void aStreamedCallIsSettledWithTheUsageOfItsLastChunk() {
		UUID budget = this.service.createBudget("5.00");
		this.llm.reportUsage(40, 3);
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		List<ChatClientResponse> chunks = chat.prompt().user(PROMPT).stream().chatClientResponse().collectList().block();

		assertThat(chunks).isNotEmpty();
		Reservation hold = (Reservation) chunks.get(0).context().get(BudgetAdvisor.RESERVATION);
		assertThat(this.ledger.reservation(hold.id()).status()).isEqualTo("SETTLED");
		// 40 input tokens at 2.50 and 3 output tokens at 10.00 per million
		assertThat(this.ledger.budget(budget).spent()).isEqualByComparingTo(new BigDecimal("0.00013"));
		assertThat(this.ledger.budget(budget).reserved()).isEqualByComparingTo("0");
	}

	@Test
	void aFailedStreamReleasesItsHold() {
		UUID budget = this.service.createBudget("5.00");
		this.llm.failWith(500);
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		assertThatRuntimeException()
			.isThrownBy(() -> chat.prompt().user(PROMPT).stream().chatClientResponse().collectList().block());

		Budget after = this.ledger.budget(budget);
		assertThat(after.callsInPeriod()).isEqualTo(1);
		assertThat(after.heldCount()).isZero();
		assertThat(after.spent()).isEqualByComparingTo("0");
	}

	@Test
	void aStreamGivenUpHalfWayIsChargedTheInputHeldAndTheOutputItGot() {
		UUID budget = this.service.createBudget("5.00");
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		ChatClientResponse first = chat.prompt().user(PROMPT).stream().chatClientResponse().blockFirst();

		Reservation hold = (Reservation) first.context().get(BudgetAdvisor.RESERVATION);
		Reservation settled = this.ledger.reservation(hold.id());
		assertThat(settled.status()).isEqualTo("SETTLED");
		// the first chunk carried "Hello": the input held plus that, not the 16384 output tokens held
		assertThat(settled.charged()).isEqualByComparingTo(gpt4o(hold.inputTokens(), ESTIMATOR.estimate("Hello")));
		assertThat(this.ledger.budget(budget).reserved()).isEqualByComparingTo("0");
	}

	@Test
	void aStreamThatEndsWithoutUsageIsChargedTheInputHeldAndTheOutputCounted() {
		UUID budget = this.service.createBudget("5.00");
		this.llm.omitUsage();
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		List<ChatClientResponse> chunks = chat.prompt().user(PROMPT).stream().chatClientResponse().collectList().block();

		Reservation hold = (Reservation) chunks.get(0).context().get(BudgetAdvisor.RESERVATION);
		Reservation settled = this.ledger.reservation(hold.id());
		assertThat(settled.status()).isEqualTo("SETTLED");
		assertThat(settled.charged())
			.isEqualByComparingTo(gpt4o(hold.inputTokens(), ESTIMATOR.estimate("Hello from the fake")));
	}

	@Test
	void anAnswerWithoutUsageIsChargedTheInputHeldAndTheOutputCounted() {
		UUID budget = this.service.createBudget("5.00");
		this.llm.omitUsage();
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		ChatClientResponse response = chat.prompt().user(PROMPT).call().chatClientResponse();

		Reservation hold = (Reservation) response.context().get(BudgetAdvisor.RESERVATION);
		Reservation settled = this.ledger.reservation(hold.id());
		assertThat(settled.status()).isEqualTo("SETTLED");
		assertThat(settled.charged())
			.isEqualByComparingTo(gpt4o(hold.inputTokens(), ESTIMATOR.estimate("Hello from the fake LLM")));
	}

	@Test
	void aCallWhoseLimitDoesNotFitIsMadeWithTheCappedLimitTheServiceGranted() {
		// 1000 output tokens of gpt-4o cost 0.01; the budget has half that
		UUID budget = this.service.createBudget("0.005");
		this.llm.reportUsage(25, 100);
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).minOutputTokens(100).build());

		ChatClientResponse response = chat.prompt()
			.user(PROMPT)
			.options(OpenAiChatOptions.builder().maxTokens(1000))
			.call()
			.chatClientResponse();

		Reservation hold = (Reservation) response.context().get(BudgetAdvisor.RESERVATION);
		assertThat(hold.capped()).isTrue();
		// what is left after the input, at 10.00 per million output tokens
		long granted = new BigDecimal("0.005").subtract(gpt4o(hold.inputTokens(), 0))
			.divide(new BigDecimal("0.00001"), 0, RoundingMode.FLOOR)
			.longValueExact();
		assertThat(hold.maxOutputTokens()).isEqualTo(granted).isBetween(100L, 999L);
		assertThat(this.llm.requests()).singleElement()
			.satisfies(request -> assertThat(request.get("max_tokens")).isEqualTo((int) granted));
		assertThat(this.ledger.reservation(hold.id()).charged()).isEqualByComparingTo(gpt4o(25, 100));
	}

	@Test
	void aCappedLimitIsAppliedAsMaxCompletionTokensWhenTheCallSetsThat() {
		UUID budget = this.service.createBudget("0.005");
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).minOutputTokens(100).build());

		ChatClientResponse response = chat.prompt()
			.user(PROMPT)
			.options(OpenAiChatOptions.builder().maxCompletionTokens(1000))
			.call()
			.chatClientResponse();

		Reservation hold = (Reservation) response.context().get(BudgetAdvisor.RESERVATION);
		assertThat(hold.capped()).isTrue();
		assertThat(hold.maxOutputTokens()).isBetween(100L, 999L);
		assertThat(this.llm.requests()).singleElement().satisfies(request -> {
			assertThat(request.get("max_completion_tokens")).isEqualTo(hold.maxOutputTokens().intValue());
			assertThat(request).doesNotContainKey("max_tokens");
		});
	}

	@Test
	void withCappingOffACallWhoseLimitDoesNotFitIsDenied() {
		UUID budget = this.service.createBudget("0.005");
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).minOutputTokens(0).build());

		assertThatExceptionOfType(BudgetDeniedException.class).isThrownBy(() -> chat.prompt()
			.user(PROMPT)
			.options(OpenAiChatOptions.builder().maxTokens(1000))
			.call()
			.content());
		assertThat(this.llm.requests()).isEmpty();
	}

	@Test
	void aCallWithoutMaxTokensIsHeldForTheModelsDefaultAndMadeWithIt() {
		UUID budget = this.service.createBudget("5.00");
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		ChatClientResponse response = chat.prompt().user(PROMPT).call().chatClientResponse();

		Reservation hold = (Reservation) response.context().get(BudgetAdvisor.RESERVATION);
		// gpt-4o's default in the service's catalog
		assertThat(hold.maxOutputTokens()).isEqualTo(16384);
		assertThat(hold.capped()).isFalse();
		assertThat(hold.amount()).isEqualByComparingTo(gpt4o(hold.inputTokens(), 16384));
		assertThat(this.llm.requests()).singleElement()
			.satisfies(request -> assertThat(request.get("max_tokens")).isEqualTo(16384));
	}

	@Test
	void eachCallCanNameItsOwnBudget() {
		UUID fallback = this.service.createBudget("5.00");
		UUID tenantA = this.service.createBudget("5.00");
		UUID tenantB = this.service.createBudget("5.00");
		this.llm.reportUsage(50, 20);
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, fallback).build());

		chat.prompt().user(PROMPT).advisors(a -> a.param(BudgetAdvisor.BUDGET_ID, tenantA)).call().content();
		chat.prompt().user(PROMPT).advisors(a -> a.param(BudgetAdvisor.BUDGET_ID, tenantB.toString())).call().content();
		chat.prompt().user(PROMPT).call().content();

		assertThat(this.ledger.budget(tenantA).spent()).isEqualByComparingTo("0.000325");
		assertThat(this.ledger.budget(tenantB).spent()).isEqualByComparingTo("0.000325");
		assertThat(this.ledger.budget(fallback).spent()).isEqualByComparingTo("0.000325");
		assertThat(this.ledger.budget(fallback).callsInPeriod()).isEqualTo(1);
	}

	@Test
	void anAdvisorWithoutADefaultBudgetRefusesACallThatNamesNone() {
		UUID budget = this.service.createBudget("5.00");
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger).build());

		assertThatIllegalStateException().isThrownBy(() -> chat.prompt().user(PROMPT).call().content())
			.withMessageContaining(BudgetAdvisor.BUDGET_ID);
		assertThat(this.llm.requests()).isEmpty();

		chat.prompt().user(PROMPT).advisors(a -> a.param(BudgetAdvisor.BUDGET_ID, budget)).call().content();
		assertThat(this.ledger.budget(budget).callsInPeriod()).isEqualTo(1);
	}

	@Test
	void aRequestThatNeverReachedTheProviderReleasesItsHold() throws IOException {
		UUID budget = this.service.createBudget("5.00");
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build(),
				"http://127.0.0.1:" + closedPort + "/v1");

		assertThatRuntimeException().isThrownBy(() -> chat.prompt().user(PROMPT).call().content());

		Budget after = this.ledger.budget(budget);
		assertThat(after.callsInPeriod()).isEqualTo(1);
		assertThat(after.heldCount()).isZero();
		assertThat(after.spent()).isEqualByComparingTo("0");
	}

	@Test
	void aRequestSentButNeverAnsweredIsChargedTheWholeHold() {
		UUID budget = this.service.createBudget("5.00");
		try (HangUp provider = new HangUp()) {
			ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build(), provider.baseUrl());

			assertThatRuntimeException().isThrownBy(() -> chat.prompt()
				.user(PROMPT)
				.options(OpenAiChatOptions.builder().maxTokens(300))
				.call()
				.content());

			assertThat(provider.requests()).isEqualTo(1);
		}
		Budget after = this.ledger.budget(budget);
		assertThat(after.heldCount()).isZero();
		assertThat(after.spent()).isEqualByComparingTo(gpt4o(ESTIMATOR.estimate(PROMPT) + 4 + 3, 300));
	}

	@Test
	void aStreamSentButNeverAnsweredIsChargedTheWholeHold() {
		UUID budget = this.service.createBudget("5.00");
		try (HangUp provider = new HangUp()) {
			ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build(), provider.baseUrl());

			assertThatRuntimeException().isThrownBy(() -> chat.prompt()
				.user(PROMPT)
				.options(OpenAiChatOptions.builder().maxTokens(300))
				.stream()
				.content()
				.collectList()
				.block());
		}
		Budget after = this.ledger.budget(budget);
		assertThat(after.heldCount()).isZero();
		assertThat(after.spent()).isEqualByComparingTo(gpt4o(ESTIMATOR.estimate(PROMPT) + 4 + 3, 300));
	}

	@Test
	void aStreamLongerThanHalfItsHoldsLifetimeExtendsIt() {
		UUID budget = this.service.createBudget("5.00");
		this.llm.reportUsage(40, 3).pauseBetweenEvents(Duration.ofMillis(700));
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).ttl(Duration.ofSeconds(2)).build());

		List<ChatClientResponse> chunks = chat.prompt().user(PROMPT).stream().chatClientResponse().collectList().block();

		Reservation hold = (Reservation) chunks.get(0).context().get(BudgetAdvisor.RESERVATION);
		Reservation settled = this.ledger.reservation(hold.id());
		assertThat(settled.status()).isEqualTo("SETTLED");
		assertThat(settled.late()).isFalse();
		// the stream took about 4 s; the hold was extended by 2 s at least once on the way
		assertThat(settled.expiresAt()).isAfter(hold.expiresAt());
		assertThat(settled.charged()).isEqualByComparingTo(gpt4o(40, 3));
	}

	/** What gpt-4o's tokens cost: 2.50 per million input and 10.00 per million output (the service's catalog). */
	private static BigDecimal gpt4o(long inputTokens, long outputTokens) {
		return new BigDecimal("2.50").multiply(BigDecimal.valueOf(inputTokens))
			.add(new BigDecimal("10.00").multiply(BigDecimal.valueOf(outputTokens)))
			.movePointLeft(6);
	}

	private ChatClient chat(BudgetAdvisor advisor) {
		return chat(advisor, this.llm.baseUrl());
	}

	private ChatClient chat(BudgetAdvisor advisor, String baseUrl) {
		OpenAiChatModel model = OpenAiChatModel.builder()
			.options(OpenAiChatOptions.builder()
				.baseUrl(baseUrl)
				.apiKey("sk-fake")
				.model("gpt-4o")
				.maxRetries(0)
				.build())
			.build();
		return ChatClient.builder(model).defaultAdvisors(advisor).build();
	}

}
