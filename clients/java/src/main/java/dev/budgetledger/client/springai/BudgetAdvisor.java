package dev.budgetledger.client.springai;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.budgetledger.client.BudgetDeniedException;
import dev.budgetledger.client.BudgetLedgerClient;
import dev.budgetledger.client.BudgetLedgerException;
import dev.budgetledger.client.ReserveRequest;
import dev.budgetledger.client.Reservation;
import dev.budgetledger.client.SettleRequest;

import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tokenizer.TokenCountEstimator;
import org.springframework.core.Ordered;

/**
 * Puts a budget-ledger hold around every model call a {@code ChatClient} makes:
 * <ol>
 * <li>before the call it reserves the worst case on the budget: the prompt's estimated input tokens plus the
 * request's max tokens (or {@link Builder#defaultMaxOutputTokens}), priced by the service for the request's model;
 * a DENY ends the call with a {@link BudgetDeniedException} and the model is never called;</li>
 * <li>if fallback models are configured, the same reserve names them: when the requested model does not fit (or the
 * budget is past its {@code downgradeAt}) the service holds for the first fallback that fits, and the call goes out
 * with that model instead;</li>
 * <li>after the call it settles with the usage the model reports ({@code ChatResponse.getMetadata().getUsage()}:
 * prompt tokens less cache reads, completion tokens, cache reads), so the budget is charged what the provider
 * bills and the rest of the hold goes back; a response without usage is settled at the reserved worst case;</li>
 * <li>when the call fails, the hold is released.</li>
 * </ol>
 * The input estimate counts each message's text with a {@link TokenCountEstimator} (JTokkit's cl100k_base by
 * default) plus 4 tokens per message and 3 for the reply, as OpenAI's chat format adds; tool definitions and media
 * are not counted. It only sizes the hold: the charge is always the reported usage.
 * <p>
 * Its default order puts it next to the model, inside tool-calling and memory advisors: a tool loop run by an
 * advisor has each of its model calls held on its own; a chat model that runs tools itself reports the loop's
 * cumulative usage, which settles the one hold. Add it with {@code ChatClient.builder(model).defaultAdvisors(advisor)}.
 * The reservation is in the response context under {@link #RESERVATION}.
 */
public final class BudgetAdvisor implements CallAdvisor, StreamAdvisor {

	/** Context key of the {@link Reservation} on the {@code ChatClientResponse}. */
	public static final String RESERVATION = "budget-ledger.reservation";

	private static final Logger log = Logger.getLogger(BudgetAdvisor.class.getName());

	private static final int TOKENS_PER_MESSAGE = 4;

	private static final int TOKENS_PER_REPLY = 3;

	private final BudgetLedgerClient ledger;

	private final UUID budgetId;

	private final int defaultMaxOutputTokens;

	private final List<String> fallbackModels;

	private final TokenCountEstimator estimator;

	private final @Nullable Duration ttl;

	private final int order;

	private BudgetAdvisor(Builder builder) {
		this.ledger = builder.ledger;
		this.budgetId = builder.budgetId;
		this.defaultMaxOutputTokens = builder.defaultMaxOutputTokens;
		this.fallbackModels = List.copyOf(builder.fallbackModels);
		this.estimator = builder.estimator;
		this.ttl = builder.ttl;
		this.order = builder.order;
	}

	public static Builder builder(BudgetLedgerClient ledger, UUID budgetId) {
		return new Builder(ledger, budgetId);
	}

	@Override
	public String getName() {
		return "BudgetAdvisor";
	}

	@Override
	public int getOrder() {
		return this.order;
	}

	@Override
	public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
		Estimate estimate = estimate(request.prompt());
		Reservation hold = reserve(estimate);
		ChatClientResponse response;
		try {
			response = chain.nextCall(withModel(request, hold));
		}
		catch (RuntimeException ex) {
			releaseQuietly(hold, ex);
			throw ex;
		}
		settle(hold, estimate, (response.chatResponse() != null) ? response.chatResponse().getMetadata().getUsage()
				: null);
		return response.mutate().context(RESERVATION, hold).build();
	}

	@Override
	public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
		Estimate estimate = estimate(request.prompt());
		return Mono.fromCallable(() -> reserve(estimate))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMapMany(hold -> {
				// The usage arrives with the last chunk (OpenAI sends it when include_usage is on, as Spring AI asks).
				AtomicReference<@Nullable Usage> usage = new AtomicReference<>();
				// Settled, released or given up: whichever comes first is the only one that reaches the ledger.
				AtomicBoolean finished = new AtomicBoolean();
				return chain.nextStream(withModel(request, hold))
					.doOnNext(chunk -> {
						ChatResponse response = chunk.chatResponse();
						if (response != null && reported(response.getMetadata().getUsage())) {
							usage.set(response.getMetadata().getUsage());
						}
					})
					.map(chunk -> chunk.mutate().context(RESERVATION, hold).build())
					.concatWith(Mono.<ChatClientResponse>fromRunnable(() -> {
						if (finished.compareAndSet(false, true)) {
							settle(hold, estimate, usage.get());
						}
					}).subscribeOn(Schedulers.boundedElastic()))
					.onErrorResume(ex -> Mono.<ChatClientResponse>fromRunnable(() -> {
						if (finished.compareAndSet(false, true)) {
							releaseQuietly(hold, ex);
						}
					}).subscribeOn(Schedulers.boundedElastic()).then(Mono.error(ex)))
					// A stream given up half way was still billed for what it produced: charge the worst case.
					.doOnCancel(() -> {
						if (finished.compareAndSet(false, true)) {
							settle(hold, estimate, null);
						}
					});
			});
	}

	/** The worst case of the call about to be made: its model, estimated input and the most output it may get. */
	Estimate estimate(Prompt prompt) {
		ChatOptions options = prompt.getOptions();
		String model = (options != null) ? options.getModel() : null;
		if (model == null || model.isBlank()) {
			throw new IllegalStateException("BudgetAdvisor needs the model of each call to price it: set it in the"
					+ " chat model's default options or the request's options");
		}
		Integer maxTokens = (options.getMaxTokens() != null) ? options.getMaxTokens() : null;
		long input = TOKENS_PER_REPLY;
		for (Message message : prompt.getInstructions()) {
			input += TOKENS_PER_MESSAGE + this.estimator.estimate(message.getText());
		}
		return new Estimate(model, input, (maxTokens != null) ? maxTokens : this.defaultMaxOutputTokens);
	}

	private Reservation reserve(Estimate estimate) {
		ReserveRequest request = ReserveRequest
			.tokens(this.budgetId, estimate.model(), estimate.inputTokens(), estimate.maxOutputTokens())
			.withFallbackModels(this.fallbackModels);
		if (this.ttl != null) {
			request = request.withTtlSeconds((int) this.ttl.toSeconds());
		}
		return this.ledger.reserve(request);
	}

	/** The request as the hold allows it: the model the service chose, and fewer max tokens if it capped them. */
	private static ChatClientRequest withModel(ChatClientRequest request, Reservation hold) {
		ChatOptions options = Objects.requireNonNull(request.prompt().getOptions());
		boolean otherModel = hold.model() != null && !hold.model().equals(options.getModel());
		if (!otherModel && !hold.capped()) {
			return request;
		}
		ChatOptions.Builder<?> changed = options.mutate();
		if (otherModel) {
			changed.model(hold.model());
		}
		if (hold.capped() && hold.maxOutputTokens() != null) {
			changed.maxTokens(Math.toIntExact(hold.maxOutputTokens()));
		}
		Prompt prompt = request.prompt().mutate().chatOptions(changed.build()).build();
		return request.mutate().prompt(prompt).build();
	}

	private void settle(Reservation hold, Estimate estimate, @Nullable Usage usage) {
		SettleRequest settlement;
		if (reported(usage)) {
			long cacheRead = (usage.getCacheReadInputTokens() != null) ? usage.getCacheReadInputTokens() : 0;
			long prompt = (usage.getPromptTokens() != null) ? usage.getPromptTokens() : 0;
			long completion = (usage.getCompletionTokens() != null) ? usage.getCompletionTokens() : 0;
			settlement = SettleRequest.tokens(Math.max(0, prompt - cacheRead), completion, cacheRead);
		}
		else {
			long maxOutput = (hold.maxOutputTokens() != null) ? hold.maxOutputTokens() : estimate.maxOutputTokens();
			settlement = SettleRequest.tokens(estimate.inputTokens(), maxOutput);
		}
		try {
			this.ledger.settle(hold.id(), settlement);
		}
		catch (BudgetLedgerException ex) {
			// The model has answered and was paid for; failing the call now would not undo that. The hold stays
			// on the budget until it expires, so the cap still holds in the meantime.
			log.log(Level.WARNING, "Could not settle reservation " + hold.id() + ": " + ex.getMessage(), ex);
		}
	}

	private void releaseQuietly(Reservation hold, Throwable cause) {
		try {
			this.ledger.release(hold.id());
		}
		catch (BudgetLedgerException ex) {
			cause.addSuppressed(ex);
			log.log(Level.WARNING, "Could not release reservation " + hold.id() + "; it will expire", ex);
		}
	}

	private static boolean reported(@Nullable Usage usage) {
		return usage != null && ((usage.getPromptTokens() != null && usage.getPromptTokens() > 0)
				|| (usage.getCompletionTokens() != null && usage.getCompletionTokens() > 0));
	}

	record Estimate(String model, long inputTokens, long maxOutputTokens) {
	}

	public static final class Builder {

		private final BudgetLedgerClient ledger;

		private final UUID budgetId;

		private int defaultMaxOutputTokens = 1024;

		private List<String> fallbackModels = List.of();

		private TokenCountEstimator estimator = new JTokkitTokenCountEstimator();

		private @Nullable Duration ttl;

		private int order = Ordered.LOWEST_PRECEDENCE - 1000;

		private Builder(BudgetLedgerClient ledger, UUID budgetId) {
			this.ledger = Objects.requireNonNull(ledger, "ledger");
			this.budgetId = Objects.requireNonNull(budgetId, "budgetId");
		}

		/** Max output tokens to hold for when a request sets none (default 1024). */
		public Builder defaultMaxOutputTokens(int tokens) {
			this.defaultMaxOutputTokens = tokens;
			return this;
		}

		/** Cheaper models, in order of preference, to call instead when the requested one does not fit. */
		public Builder fallbackModels(List<String> models) {
			this.fallbackModels = List.copyOf(models);
			return this;
		}

		public Builder tokenCountEstimator(TokenCountEstimator estimator) {
			this.estimator = estimator;
			return this;
		}

		/** How long a hold lives if neither settled nor released (default: the service's, 10 minutes). */
		public Builder ttl(Duration ttl) {
			this.ttl = ttl;
			return this;
		}

		public Builder order(int order) {
			this.order = order;
			return this;
		}

		public BudgetAdvisor build() {
			return new BudgetAdvisor(this);
		}

	}

}
