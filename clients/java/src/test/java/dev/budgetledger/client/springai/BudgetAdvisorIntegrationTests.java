package dev.budgetledger.client.springai;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.budgetledger.client.Budget;
import dev.budgetledger.client.BudgetDeniedException;
import dev.budgetledger.client.BudgetLedgerClient;
import dev.budgetledger.client.Reservation;
import dev.budgetledger.client.support.FakeOpenAi;
import dev.budgetledger.client.support.RunningService;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatRuntimeException;

/**
 * A Spring AI {@code ChatClient} with Spring AI's OpenAI model, the advisor and the real service; only the LLM is
 * a local fake that answers like the OpenAI chat completions API.
 */
class BudgetAdvisorIntegrationTests {

	private static final String PROMPT = "Summarise this support ticket in one line: the printer is on fire.";

	private final RunningService service = RunningService.get();

	private final BudgetLedgerClient ledger = this.service.adminClient();

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
	void aStreamGivenUpHalfWayIsChargedItsWorstCase() {
		UUID budget = this.service.createBudget("5.00");
		ChatClient chat = chat(BudgetAdvisor.builder(this.ledger, budget).build());

		ChatClientResponse first = chat.prompt().user(PROMPT).stream().chatClientResponse().blockFirst();

		Reservation hold = (Reservation) first.context().get(BudgetAdvisor.RESERVATION);
		Reservation settled = this.ledger.reservation(hold.id());
		assertThat(settled.status()).isEqualTo("SETTLED");
		assertThat(settled.charged()).isEqualByComparingTo(hold.amount());
		assertThat(this.ledger.budget(budget).reserved()).isEqualByComparingTo("0");
	}

	private ChatClient chat(BudgetAdvisor advisor) {
		OpenAiChatModel model = OpenAiChatModel.builder()
			.options(OpenAiChatOptions.builder()
				.baseUrl(this.llm.baseUrl())
				.apiKey("sk-fake")
				.model("gpt-4o")
				.maxRetries(0)
				.build())
			.build();
		return ChatClient.builder(model).defaultAdvisors(advisor).build();
	}

}
