package dev.budgetledger.client.springai;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import javax.net.ssl.SSLHandshakeException;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
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
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tokenizer.TokenCountEstimator;
import org.springframework.core.Ordered;

/**
 * Puts a budget-ledger hold around every model call a {@code ChatClient} makes, by the rules of the service's
 * {@code docs/charging.md}, the same as the Python and TypeScript guards and the gateway:
 * <ol>
 * <li>before the call it reserves the worst case on the call's budget ({@link #BUDGET_ID} in the request's context,
 * else the builder's): the prompt's estimated input tokens plus the request's max tokens, priced by the service for
 * the request's model. A request that sets no max tokens leaves them out and the service holds the model's default.
 * A DENY ends the call with a {@link BudgetDeniedException} and the model is never called;</li>
 * <li>the reserve asks for a capped allow ({@link Builder#minOutputTokens}) and names the fallback models, if any;
 * the call then goes out as the service decided: with the answer's model (a fallback on a downgrade) and the
 * answer's max output tokens (fewer on a capped allow, the model's default when the request set none), so the model
 * cannot produce more than was held;</li>
 * <li>after the call it settles with the usage the model reports ({@code ChatResponse.getMetadata().getUsage()}:
 * prompt tokens less cache reads, completion tokens, cache reads). An answer or stream without usage is charged the
 * input held plus the output counted in what arrived (the whole hold for a model with hidden reasoning, whose
 * output cannot be counted); a stream given up or cut half way is charged the same;</li>
 * <li>when the call fails: a provider error (an answer with an error status) or a request that never reached the
 * provider releases the hold; a request that was sent but got no answer (a timeout or reset) is charged the whole
 * hold, since what it cost cannot be known;</li>
 * <li>a stream still running at half its hold's lifetime extends the hold, and again at each half-life.</li>
 * </ol>
 * The input estimate counts each message's text with a {@link TokenCountEstimator} (JTokkit's cl100k_base by
 * default) plus 4 tokens per message and 3 for the reply, as OpenAI's chat format adds; tool definitions and media
 * are not counted. It only sizes the hold: the charge is always the reported usage when there is one.
 * <p>
 * Its default order puts it next to the model, inside tool-calling and memory advisors: a tool loop run by an
 * advisor has each of its model calls held on its own; a chat model that runs tools itself reports the loop's
 * cumulative usage, which settles the one hold. Add it with {@code ChatClient.builder(model).defaultAdvisors(advisor)}.
 * The reservation is in the response context under {@link #RESERVATION}.
 */
public final class BudgetAdvisor implements CallAdvisor, StreamAdvisor {

	/** Context key of the {@link Reservation} on the {@code ChatClientResponse}. */
	public static final String RESERVATION = "budget-ledger.reservation";

	/**
	 * Advisor parameter naming the budget of one call (a {@link UUID} or its string), over the builder's default:
	 * {@code chat.prompt().advisors(a -> a.param(BudgetAdvisor.BUDGET_ID, tenantBudget))}.
	 */
	public static final String BUDGET_ID = "budget-ledger.budget-id";

	private static final Logger log = Logger.getLogger(BudgetAdvisor.class.getName());

	private static final int TOKENS_PER_MESSAGE = 4;

	private static final int TOKENS_PER_REPLY = 3;

	/** Models whose billed reasoning never shows in the answer (OpenAI's o-series and gpt-5), as the guards say. */
	private static final Pattern HIDDEN_REASONING = Pattern.compile("^(?:.*/)?(o\\d|gpt-5)");

	private final BudgetLedgerClient ledger;

	private final @Nullable UUID budgetId;

	private final @Nullable Integer defaultMaxOutputTokens;

	private final int minOutputTokens;

	private final List<String> fallbackModels;

	private final TokenCountEstimator estimator;

	private final @Nullable Duration ttl;

	private final int order;

	private BudgetAdvisor(Builder builder) {
		this.ledger = builder.ledger;
		this.budgetId = builder.budgetId;
		this.defaultMaxOutputTokens = builder.defaultMaxOutputTokens;
		this.minOutputTokens = builder.minOutputTokens;
		this.fallbackModels = List.copyOf(builder.fallbackModels);
		this.estimator = builder.estimator;
		this.ttl = builder.ttl;
		this.order = builder.order;
	}

	/** An advisor that charges {@code budgetId} unless a call names its own with {@link #BUDGET_ID}. */
	public static Builder builder(BudgetLedgerClient ledger, UUID budgetId) {
		return new Builder(ledger, Objects.requireNonNull(budgetId, "budgetId"));
	}

	/** An advisor with no default budget: every call must name one with {@link #BUDGET_ID}. */
	public static Builder builder(BudgetLedgerClient ledger) {
		return new Builder(ledger, null);
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
		Estimate estimate = estimate(request);
		Reservation hold = reserve(estimate);
		ChatClientResponse response;
		try {
			response = chain.nextCall(asDecided(request, hold));
		}
		catch (RuntimeException ex) {
			failed(hold, estimate, ex);
			throw ex;
		}
		ChatResponse answer = response.chatResponse();
		Usage usage = (answer != null) ? answer.getMetadata().getUsage() : null;
		if (reported(usage)) {
			settle(hold, usage(usage), null);
		}
		else {
			settleCounted(hold, estimate, (answer != null) ? text(answer) : "", "the answer carried no usage");
		}
		return response.mutate().context(RESERVATION, hold).build();
	}

	@Override
	public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
		Estimate estimate = estimate(request);
		return Mono.fromCallable(() -> reserve(estimate))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMapMany(hold -> {
				// The usage arrives with the last chunk (OpenAI sends it when include_usage is on, as Spring AI asks).
				AtomicReference<@Nullable Usage> usage = new AtomicReference<>();
				// What the model sent so far: counted if the stream ends before its usage.
				StringBuffer output = new StringBuffer();
				AtomicBoolean started = new AtomicBoolean();
				// Settled, released or given up: whichever comes first is the only one that reaches the ledger.
				AtomicBoolean finished = new AtomicBoolean();
				Disposable extender = extendAtHalfLife(hold);
				return chain.nextStream(asDecided(request, hold))
					.doOnNext(chunk -> {
						started.set(true);
						ChatResponse response = chunk.chatResponse();
						if (response != null) {
							output.append(text(response));
							if (reported(response.getMetadata().getUsage())) {
								usage.set(response.getMetadata().getUsage());
							}
						}
					})
					.map(chunk -> chunk.mutate().context(RESERVATION, hold).build())
					.concatWith(Mono.<ChatClientResponse>fromRunnable(() -> {
						if (finished.compareAndSet(false, true)) {
							Usage reported = usage.get();
							if (reported != null) {
								settle(hold, usage(reported), null);
							}
							else {
								settleCounted(hold, estimate, output.toString(), "the stream ended without usage");
							}
						}
					}).subscribeOn(Schedulers.boundedElastic()))
					.onErrorResume(ex -> Mono.<ChatClientResponse>fromRunnable(() -> {
						if (finished.compareAndSet(false, true)) {
							if (started.get()) {
								settleCounted(hold, estimate, output.toString(), "the stream broke off");
							}
							else {
								failed(hold, estimate, ex);
							}
						}
					}).subscribeOn(Schedulers.boundedElastic()).then(Mono.error(ex)))
					// A stream given up half way was still billed for what the model produced until then.
					.doOnCancel(() -> {
						if (finished.compareAndSet(false, true)) {
							settleCounted(hold, estimate, output.toString(), "the stream was given up");
						}
					})
					.doFinally(signal -> extender.dispose());
			});
	}

	/** The worst case of the call about to be made: its budget, model, estimated input and its output limit. */
	Estimate estimate(ChatClientRequest request) {
		Prompt prompt = request.prompt();
		ChatOptions options = prompt.getOptions();
		String model = (options != null) ? options.getModel() : null;
		if (options == null || model == null || model.isBlank()) {
			throw new IllegalStateException("BudgetAdvisor needs the model of each call to price it: set it in the"
					+ " chat model's default options or the request's options");
		}
		Integer limit = outputLimit(options);
		Integer maxTokens = (limit != null) ? limit : this.defaultMaxOutputTokens;
		long input = TOKENS_PER_REPLY;
		for (Message message : prompt.getInstructions()) {
			input += TOKENS_PER_MESSAGE + this.estimator.estimate(message.getText());
		}
		return new Estimate(budget(request), model, input, (maxTokens != null) ? Long.valueOf(maxTokens) : null);
	}

	private UUID budget(ChatClientRequest request) {
		Object named = request.context().get(BUDGET_ID);
		if (named instanceof UUID id) {
			return id;
		}
		if (named instanceof String id && !id.isBlank()) {
			return UUID.fromString(id.trim());
		}
		if (named != null) {
			throw new IllegalArgumentException(BUDGET_ID + " must be a UUID or its string, not " + named.getClass());
		}
		if (this.budgetId == null) {
			throw new IllegalStateException("This BudgetAdvisor has no default budget: name the call's budget with"
					+ " the advisor parameter " + BUDGET_ID);
		}
		return this.budgetId;
	}

	private Reservation reserve(Estimate estimate) {
		Long maxOutput = estimate.maxOutputTokens();
		ReserveRequest request = ((maxOutput != null)
				? ReserveRequest.tokens(estimate.budgetId(), estimate.model(), estimate.inputTokens(), maxOutput)
				: ReserveRequest.tokens(estimate.budgetId(), estimate.model(), estimate.inputTokens()))
			.withFallbackModels(this.fallbackModels);
		// A limit below the least worth having asks for the whole limit or nothing, as the service requires.
		if (this.minOutputTokens > 0 && (maxOutput == null || this.minOutputTokens <= maxOutput)) {
			request = request.withMinOutputTokens(this.minOutputTokens);
		}
		if (this.ttl != null) {
			request = request.withTtlSeconds((int) this.ttl.toSeconds());
		}
		return this.ledger.reserve(request);
	}

	/** The request as the hold allows it: the model the service chose, and the output limit it held. */
	private static ChatClientRequest asDecided(ChatClientRequest request, Reservation hold) {
		ChatOptions options = Objects.requireNonNull(request.prompt().getOptions());
		boolean otherModel = hold.model() != null && !hold.model().equals(options.getModel());
		Long held = hold.maxOutputTokens();
		Integer limit = outputLimit(options);
		boolean otherLimit = held != null && (limit == null || limit.longValue() != held);
		if (!otherModel && !otherLimit) {
			return request;
		}
		ChatOptions.Builder<?> changed = options.mutate();
		if (otherModel) {
			changed.model(hold.model());
		}
		if (otherLimit && !setMaxCompletionTokens(options, changed, Math.toIntExact(held))) {
			changed.maxTokens(Math.toIntExact(held));
		}
		Prompt prompt = request.prompt().mutate().chatOptions(changed.build()).build();
		return request.mutate().prompt(prompt).build();
	}

	/**
	 * The call's output limit. OpenAI's options carry a second one, {@code maxCompletionTokens} (what its reasoning
	 * models take), which wins over {@code maxTokens} when both are set; the portable {@link ChatOptions} does not
	 * know it, so it is read by name.
	 */
	private static @Nullable Integer outputLimit(ChatOptions options) {
		Object completion = invoke(options, "getMaxCompletionTokens");
		return (completion instanceof Integer tokens) ? tokens : options.getMaxTokens();
	}

	/** Sets the granted limit as {@code maxCompletionTokens} when that is the limit the call uses. */
	private static boolean setMaxCompletionTokens(ChatOptions options, ChatOptions.Builder<?> changed, int tokens) {
		if (!(invoke(options, "getMaxCompletionTokens") instanceof Integer)) {
			return false;
		}
		try {
			changed.getClass().getMethod("maxCompletionTokens", Integer.class).invoke(changed, tokens);
			return true;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("Cannot apply the granted max output tokens to " + changed.getClass(), ex);
		}
	}

	private static @Nullable Object invoke(Object target, String getter) {
		try {
			return target.getClass().getMethod(getter).invoke(target);
		}
		catch (NoSuchMethodException ex) {
			return null;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("Cannot read " + getter + " of " + target.getClass(), ex);
		}
	}

	/** A call that threw: release unless the request may have reached the provider and its outcome is unknown. */
	private void failed(Reservation hold, Estimate estimate, Throwable ex) {
		if (outcomeUnknown(ex)) {
			settle(hold, wholeHold(hold, estimate),
					"the request was sent but no answer came back (" + ex + "): charged in full");
		}
		else {
			releaseQuietly(hold, ex);
		}
	}

	/**
	 * An I/O failure after the connection was made (a read timeout, a reset) leaves the provider's bill unknown; a
	 * failure to connect means it never got the request, and an error answer (which the model libraries raise
	 * without an I/O cause) is not billed, nor is an error in the caller's own code.
	 */
	static boolean outcomeUnknown(Throwable ex) {
		boolean io = false;
		int depth = 0;
		// bounded: a cause chain can be made to loop
		for (Throwable cause = ex; cause != null && depth < 32; cause = cause.getCause(), depth++) {
			if (cause instanceof ConnectException || cause instanceof UnknownHostException
					|| cause instanceof NoRouteToHostException || cause instanceof HttpConnectTimeoutException
					|| cause instanceof SSLHandshakeException) {
				return false;
			}
			io |= cause instanceof IOException;
		}
		return io;
	}

	private void settleCounted(Reservation hold, Estimate estimate, String output, String why) {
		String model = (hold.model() != null) ? hold.model() : estimate.model();
		if (HIDDEN_REASONING.matcher(model).lookingAt()) {
			settle(hold, wholeHold(hold, estimate),
					why + "; the hidden reasoning of " + model + " cannot be counted: charged in full");
			return;
		}
		long counted = output.isEmpty() ? 0 : this.estimator.estimate(output);
		Long held = (hold.maxOutputTokens() != null) ? hold.maxOutputTokens() : estimate.maxOutputTokens();
		long charged = (held != null) ? Math.min(counted, held) : counted;
		settle(hold, SettleRequest.tokens(estimate.inputTokens(), charged),
				why + ": charging " + estimate.inputTokens() + " input and " + charged + " counted output tokens");
	}

	private static SettleRequest wholeHold(Reservation hold, Estimate estimate) {
		Long held = (hold.maxOutputTokens() != null) ? hold.maxOutputTokens() : estimate.maxOutputTokens();
		long input = (hold.inputTokens() != null) ? hold.inputTokens() : estimate.inputTokens();
		return SettleRequest.tokens(input, (held != null) ? held : 0);
	}

	private static SettleRequest usage(Usage usage) {
		long cacheRead = (usage.getCacheReadInputTokens() != null) ? usage.getCacheReadInputTokens() : 0;
		long prompt = (usage.getPromptTokens() != null) ? usage.getPromptTokens() : 0;
		long completion = (usage.getCompletionTokens() != null) ? usage.getCompletionTokens() : 0;
		return SettleRequest.tokens(Math.max(0, prompt - cacheRead), completion, cacheRead);
	}

	private void settle(Reservation hold, SettleRequest settlement, @Nullable String why) {
		if (why != null) {
			log.warning("budget-ledger: reservation " + hold.id() + ": " + why);
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

	/** Extends the hold at each half of its lifetime until disposed, so a long stream keeps its hold. */
	private Disposable extendAtHalfLife(Reservation hold) {
		Duration lifetime = (this.ttl != null) ? this.ttl : Duration.between(hold.createdAt(), hold.expiresAt());
		Duration half = lifetime.dividedBy(2);
		if (half.isZero() || half.isNegative()) {
			return () -> {
			};
		}
		return Flux.interval(half, half, Schedulers.boundedElastic()).subscribe(tick -> {
			try {
				this.ledger.extend(hold.id(), lifetime);
			}
			catch (BudgetLedgerException ex) {
				log.log(Level.WARNING, "Could not extend reservation " + hold.id() + " at " + Instant.now(), ex);
			}
		});
	}

	private static String text(ChatResponse response) {
		StringBuilder text = new StringBuilder();
		response.getResults().forEach(generation -> {
			AssistantMessage message = generation.getOutput();
			if (message != null && message.getText() != null) {
				text.append(message.getText());
			}
		});
		return text.toString();
	}

	private static boolean reported(@Nullable Usage usage) {
		return usage != null && ((usage.getPromptTokens() != null && usage.getPromptTokens() > 0)
				|| (usage.getCompletionTokens() != null && usage.getCompletionTokens() > 0));
	}

	record Estimate(UUID budgetId, String model, long inputTokens, @Nullable Long maxOutputTokens) {
	}

	public static final class Builder {

		private final BudgetLedgerClient ledger;

		private final @Nullable UUID budgetId;

		private @Nullable Integer defaultMaxOutputTokens;

		private int minOutputTokens = 256;

		private List<String> fallbackModels = List.of();

		private TokenCountEstimator estimator = new JTokkitTokenCountEstimator();

		private @Nullable Duration ttl;

		private int order = Ordered.LOWEST_PRECEDENCE - 1000;

		private Builder(BudgetLedgerClient ledger, @Nullable UUID budgetId) {
			this.ledger = Objects.requireNonNull(ledger, "ledger");
			this.budgetId = budgetId;
		}

		/**
		 * Max output tokens to hold for, and call with, when a request sets none. Unset (the default), the service
		 * holds the model's default from its price catalog and the call is made with that.
		 */
		public Builder defaultMaxOutputTokens(int tokens) {
			this.defaultMaxOutputTokens = tokens;
			return this;
		}

		/**
		 * The fewest output tokens worth calling with (default 256): a call whose whole limit does not fit is made
		 * with as many as fit if that is at least this many. 0 turns capping off: the whole limit or a DENY.
		 */
		public Builder minOutputTokens(int tokens) {
			if (tokens < 0) {
				throw new IllegalArgumentException("minOutputTokens must not be negative");
			}
			this.minOutputTokens = tokens;
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
