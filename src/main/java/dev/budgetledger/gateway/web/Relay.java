package dev.budgetledger.gateway.web;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.budgetledger.budget.ChildTemplate;
import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.DatabaseFailures;
import dev.budgetledger.gateway.GatewayLedger;
import dev.budgetledger.gateway.GatewayMetrics;
import dev.budgetledger.gateway.GatewaySettings;
import dev.budgetledger.reservation.DenyReason;
import dev.budgetledger.reservation.Reservation;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.reservation.Settlement;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.TokenPrice;
import dev.budgetledger.security.Caller;

import org.springframework.stereotype.Component;

/**
 * One guarded call, the same for every provider: read the request, reserve, forward what
 * was allowed, pass the answer back (a stream event by event), then settle or release by
 * the rules of docs/charging.md. The caller's budget-ledger key never goes upstream and
 * the provider key never comes back; prompts and answers are not logged.
 */
@Component
class Relay {

	private static final Logger log = LoggerFactory.getLogger(Relay.class);

	static final String BUDGET_ID = "X-Budget-Id";

	private static final String UPSTREAM_BROKE = "upstream broke off";

	static final int MAX_HEADER_VALUE = 200;

	/** The reserve API's rule for model names (they are stored on the reservation). */
	private static final Pattern MODEL_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$");

	/** The reserve API's rule for run names ({@code runId}). */
	private static final Pattern RUN_NAME = Pattern.compile("^[^\\p{Cntrl}\\p{Cs}]{1,128}$");

	/**
	 * The reserve API's rule for subjects: printable characters, no space at either end.
	 */
	private static final Pattern SUBJECT_NAME = Pattern.compile("^[^\\p{C}\\p{Z}](?:[^\\p{C}]*[^\\p{C}\\p{Z}])?$");

	/**
	 * The header naming the end user (or tenant) whose child budget a call is charged to.
	 */
	static final String SUBJECT = "X-Budget-Subject";

	/**
	 * Caller headers that land on the reservation's metadata (for usage reports), and
	 * their keys there.
	 */
	static final Map<String, String> METADATA_HEADERS = Map.of("X-Budget-End-User", "endUser", "X-Budget-Workflow",
			"workflow", "X-Budget-Run", "run");

	/** Largest error body kept from the provider to pass back. */
	private static final int MAX_ERROR_BODY = 64 * 1024;

	private final GatewayLedger ledger;

	private final GatewaySettings settings;

	private final Upstream upstream;

	private final GatewayMetrics metrics;

	private final JsonMapper json;

	Relay(GatewayLedger ledger, GatewaySettings settings, Upstream upstream, GatewayMetrics metrics, JsonMapper json) {
		this.ledger = ledger;
		this.settings = settings;
		this.upstream = upstream;
		this.metrics = metrics;
		this.json = json;
	}

	void handle(Dialect dialect, GatewaySettings.Provider provider, Caller caller, byte[] body,
			HttpServletRequest request, HttpServletResponse response) throws IOException {
		long start = System.nanoTime();
		Call call = new Call(dialect, response, start);
		if (!provider.configured()) {
			call.fail(503, "api_error", "provider_not_configured",
					"budget-ledger has no " + dialect.provider() + " credentials configured; the call was not made");
			return;
		}
		ObjectNode forwarded;
		ReserveOutcome.Allowed hold;
		String model;
		try {
			forwarded = parse(body);
			model = dialect.model(forwarded);
			GatewayLedger.Call ask = ask(dialect, caller, request, forwarded, model);
			GatewayLedger.Reserved reserved = this.ledger.reserve(caller, ask);
			if (reserved.outcome() instanceof ReserveOutcome.Denied denied) {
				call.deny(reserved.catalogModel(model), denied);
				return;
			}
			hold = (ReserveOutcome.Allowed) reserved.outcome();
			call.metricModel = reserved.catalogModel(price(hold.reservation()).model());
		}
		catch (GatewayRequestException ex) {
			call.fail(400, "invalid_request_error", "invalid_request", String.valueOf(ex.getMessage()));
			return;
		}
		catch (ApiException ex) {
			call.fail(ex.problem().status().value(),
					(ex.problem().status().value() == 404) ? "not_found_error" : "invalid_request_error",
					ex.problem().code().toLowerCase(Locale.ROOT), String.valueOf(ex.getMessage()));
			return;
		}
		catch (RuntimeException ex) {
			if (DatabaseFailures.classify(ex) == null) {
				throw ex;
			}
			// Fail closed: without a hold the call is never made.
			log.warn("Gateway call refused, the ledger is unavailable: {}", ex.toString());
			call.fail(503, "api_error", "ledger_unavailable",
					"budget-ledger cannot reach its ledger; the call was not made (retry later)");
			return;
		}
		Reservation reservation = hold.reservation();
		String held = price(reservation).model();
		long maxOutput = maxOutputTokens(reservation);
		dialect.apply(forwarded, held, maxOutput);
		String outcome = reservation.downgraded() ? "downgraded" : reservation.capped() ? "capped" : "allowed";
		call.hold = hold;
		call.model = held;
		call.outcome = outcome;
		URI uri = URI.create(stripSlash(String.valueOf(provider.baseUrl())) + dialect.path());
		Map<String, String> headers = dialect.upstreamHeaders(request, String.valueOf(provider.apiKey()));
		if (dialect.streams(forwarded)) {
			Dialect.Stream stream = dialect.stream(forwarded, held);
			stream(call, stream, forwarded, uri, headers);
		}
		else {
			whole(call, forwarded, uri, headers);
		}
	}

	private GatewayLedger.Call ask(Dialect dialect, Caller caller, HttpServletRequest request, ObjectNode body,
			String model) {
		UUID budgetId = budgetId(request.getHeader(BUDGET_ID), caller);
		List<String> models = new ArrayList<>();
		models.add(model);
		String fallbacks = request.getHeader("X-Budget-Fallback-Models");
		if (fallbacks != null) {
			for (String fallback : fallbacks.split(",")) {
				if (!fallback.isBlank()) {
					models.add(fallback.strip());
				}
			}
			if (models.size() > 6) {
				throw new GatewayRequestException("X-Budget-Fallback-Models", "names at most 5 models");
			}
		}
		Long minOutput = null;
		String min = request.getHeader("X-Budget-Min-Output-Tokens");
		if (min != null) {
			try {
				minOutput = Long.parseLong(min.strip());
			}
			catch (NumberFormatException ex) {
				throw new GatewayRequestException("X-Budget-Min-Output-Tokens", "must be a whole number");
			}
			if (minOutput < 1) {
				throw new GatewayRequestException("X-Budget-Min-Output-Tokens", "must be at least 1");
			}
		}
		for (String name : models) {
			if (!MODEL_NAME.matcher(name).matches()) {
				throw new GatewayRequestException("model",
						"must be a model name (letters, digits and . _ : @ / -, at most 200)");
			}
		}
		Map<String, Object> metadata = new LinkedHashMap<>();
		metadata.put("gateway", dialect.provider());
		metadata.put("endpoint", dialect.endpoint());
		METADATA_HEADERS.forEach((header, key) -> {
			String value = request.getHeader(header);
			if (value != null) {
				if (value.length() > MAX_HEADER_VALUE) {
					throw new GatewayRequestException(header, "must be at most " + MAX_HEADER_VALUE + " characters");
				}
				metadata.put(key, value);
			}
		});
		String endUser = dialect.endUser(body);
		if (!metadata.containsKey("endUser") && endUser != null && endUser.length() <= MAX_HEADER_VALUE) {
			metadata.put("endUser", endUser);
		}
		long input = dialect.inputTokens(body, model);
		Long maxOutput = dialect.maxOutputTokens(body);
		if (maxOutput != null && maxOutput < 0) {
			throw new GatewayRequestException("max_tokens", "must not be negative");
		}
		String run = request.getHeader("X-Budget-Run");
		if (run != null && !RUN_NAME.matcher(run).matches()) {
			throw new GatewayRequestException("X-Budget-Run", "must be 1 to 128 characters, none a control character");
		}
		return new GatewayLedger.Call(budgetId, models, input, maxOutput, minOutput, this.settings.holdTtl(), metadata,
				run, subject(request.getHeader(SUBJECT)));
	}

	private static @Nullable String subject(@Nullable String header) {
		if (header == null) {
			return null;
		}
		if (header.length() > ChildTemplate.MAX_SUBJECT || !SUBJECT_NAME.matcher(header).matches()) {
			throw new GatewayRequestException(SUBJECT,
					"must be 1 to " + ChildTemplate.MAX_SUBJECT + " printable characters, with no space at either end");
		}
		return header;
	}

	private static UUID budgetId(@Nullable String header, Caller caller) {
		if (header == null || header.isBlank()) {
			UUID own = caller.budgetId();
			if (own == null) {
				throw new GatewayRequestException(BUDGET_ID,
						"is required: this API key is not bound to a budget, so name the budget to charge");
			}
			return own;
		}
		try {
			return UUID.fromString(header.strip());
		}
		catch (IllegalArgumentException ex) {
			throw new GatewayRequestException(BUDGET_ID, "must be a budget id (a UUID)");
		}
	}

	private ObjectNode parse(byte[] body) {
		JsonNode tree;
		try {
			tree = this.json.readTree(body);
		}
		catch (RuntimeException ex) {
			throw new GatewayRequestException("body", "must be a JSON object");
		}
		if (tree == null || !tree.isObject()) {
			throw new GatewayRequestException("body", "must be a JSON object");
		}
		return (ObjectNode) tree;
	}

	/**
	 * One attempt to reach the provider, as {@link Upstream#send} and
	 * {@link Upstream#open} make it.
	 */
	@FunctionalInterface
	private interface UpstreamCall<T> {

		T call() throws Upstream.NotSent, Upstream.NoAnswer, InterruptedException;

	}

	/**
	 * Makes {@code attempt}; when the provider was not reached or did not answer, records
	 * that on the call (which releases or charges the hold, docs/charging.md) and answers
	 * null.
	 */
	private static <T> @Nullable T reach(Call call, long sent, UpstreamCall<T> attempt) throws IOException {
		try {
			return attempt.call();
		}
		catch (Upstream.NotSent ex) {
			call.upstreamTook(sent);
			call.notSent(ex);
		}
		catch (Upstream.NoAnswer ex) {
			call.upstreamTook(sent);
			call.noAnswer(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			call.upstreamTook(sent);
			call.noAnswer(ex);
		}
		return null;
	}

	/**
	 * A non-streamed call: the provider's whole answer, settled before it is passed back.
	 */
	private void whole(Call call, ObjectNode forwarded, URI uri, Map<String, String> headers) throws IOException {
		long sent = System.nanoTime();
		byte[] body = this.json.writeValueAsBytes(forwarded);
		Upstream.Answer answer = reach(call, sent, () -> this.upstream.send(uri, headers, body));
		if (answer == null) {
			return;
		}
		call.upstreamTook(sent);
		if (answer.status() < 200 || answer.status() >= 300) {
			call.upstreamError(answer.status(), answer.headers(), answer.body());
			return;
		}
		TokenPrice.Usage usage = null;
		JsonNode parsed = null;
		try {
			parsed = this.json.readTree(answer.body());
			usage = call.dialect.usage(parsed);
		}
		catch (RuntimeException ex) {
			// An answer that is not JSON shows no usage; it is charged as one whose usage
			// cannot be known.
		}
		Settlement settled;
		if (usage != null) {
			settled = call.settle(usage, "usage");
		}
		else if (parsed != null && !call.dialect.hiddenReasoning(forwarded, call.model)) {
			settled = call.settle(new TokenPrice.Usage(inputTokens(call.reservation()),
					Math.min(maxOutputTokens(call.reservation()), call.dialect.outputTokens(parsed, call.model)), 0, 0,
					0), "counted");
		}
		else {
			settled = call.settleWholeHold("no usage in the answer");
		}
		call.respond(answer.status(), answer.headers(), settled);
		call.response.getOutputStream().write(answer.body());
		call.finish();
	}

	/**
	 * A streamed call: events pass through as they arrive; the settle comes after the
	 * last one.
	 */
	private void stream(Call call, Dialect.Stream stream, ObjectNode forwarded, URI uri, Map<String, String> headers)
			throws IOException {
		long sent = System.nanoTime();
		byte[] body = this.json.writeValueAsBytes(forwarded);
		Upstream.Lines lines = reach(call, sent, () -> this.upstream.open(uri, headers, body));
		if (lines == null) {
			return;
		}
		try (lines) {
			if (lines.status() < 200 || lines.status() >= 300) {
				byte[] error = readAll(lines);
				call.upstreamTook(sent);
				call.upstreamError(lines.status(), lines.headers(), error);
				return;
			}
			call.respond(lines.status(), lines.headers(), null);
			OutputStream out = call.response.getOutputStream();
			call.response.flushBuffer();
			List<String> last = new ArrayList<>();
			String ended = relay(call, stream, lines, out, last);
			call.upstreamTook(sent);
			TokenPrice.Usage usage = stream.usage();
			if (usage != null) {
				call.settle(usage, "usage");
			}
			else if (call.dialect.hiddenReasoning(forwarded, call.model)) {
				call.settleWholeHold(ended + "; reasoning tokens cannot be counted");
			}
			else {
				call.settle(stream.partialUsage(inputTokens(call.reservation()), maxOutputTokens(call.reservation())),
						ended);
			}
			// The end of the answer goes out after the settle: a caller that saw it finds
			// its hold settled.
			if (!last.isEmpty()) {
				write(call, last, out);
			}
			else if (ended.equals(UPSTREAM_BROKE)) {
				write(call, List.of(call.dialect
					.streamError(call.dialect.provider() + " broke off the stream; what it sent until then was charged")
					.strip()), out);
			}
			call.finish();
		}
	}

	/**
	 * Passes events through until the stream ends, and says how it ended:
	 * {@code complete}, {@code client gone} or {@code upstream broke off}. Extends the
	 * hold at each half of its lifetime.
	 */
	private String relay(Call call, Dialect.Stream stream, Upstream.Lines lines, OutputStream out, List<String> last) {
		long halfLife = this.settings.holdTtl().toNanos() / 2;
		long extendAt = System.nanoTime() + halfLife;
		List<String> event = new ArrayList<>();
		while (true) {
			String line;
			try {
				line = lines.next();
			}
			catch (IOException ex) {
				log.info("Gateway stream of hold {} cut by the provider: {}", call.reservation().id(), ex.getMessage());
				return UPSTREAM_BROKE;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return "interrupted";
			}
			if (line == null) {
				if (!event.isEmpty() && !send(call, stream, event, out)) {
					return "client gone";
				}
				return "complete";
			}
			if (!line.isEmpty()) {
				event.add(line);
				continue;
			}
			if (ends(stream, event)) {
				last.addAll(event);
				return "complete";
			}
			if (!send(call, stream, event, out)) {
				return "client gone";
			}
			event.clear();
			if (System.nanoTime() - extendAt > 0) {
				extendAt = System.nanoTime() + halfLife;
				call.extend(this.settings.holdTtl());
			}
		}
	}

	private static boolean ends(Dialect.Stream stream, List<String> event) {
		return stream.ends(name(event), data(event));
	}

	private static @Nullable String name(List<String> event) {
		for (String line : event) {
			if (line.startsWith("event:")) {
				return line.substring(6).strip();
			}
		}
		return null;
	}

	private static String data(List<String> event) {
		StringBuilder data = new StringBuilder();
		for (String line : event) {
			if (line.startsWith("data:")) {
				if (!data.isEmpty()) {
					data.append('\n');
				}
				data.append(line.substring(5).stripLeading());
			}
		}
		return data.toString();
	}

	/** Sends one event on, if the caller gets it; false when the caller has gone away. */
	private static boolean send(Call call, Dialect.Stream stream, List<String> event, OutputStream out) {
		if (!stream.onEvent(name(event), data(event))) {
			return true;
		}
		return write(call, event, out);
	}

	private static boolean write(Call call, List<String> event, OutputStream out) {
		StringBuilder raw = new StringBuilder();
		event.forEach(line -> raw.append(line).append('\n'));
		raw.append('\n');
		try {
			out.write(raw.toString().getBytes(StandardCharsets.UTF_8));
			out.flush();
			return true;
		}
		catch (IOException ex) {
			log.info("Gateway stream of hold {}: the caller went away", call.reservation().id());
			return false;
		}
	}

	private static byte[] readAll(Upstream.Lines lines) {
		StringBuilder body = new StringBuilder();
		try {
			for (String line = lines.next(); line != null && body.length() < MAX_ERROR_BODY; line = lines.next()) {
				body.append(line).append('\n');
			}
		}
		catch (IOException ex) {
			// What arrived is what is passed back.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return body.toString().getBytes(StandardCharsets.UTF_8);
	}

	private static String stripSlash(String url) {
		return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
	}

	/** One call in flight: its hold, what it answered, and what it is charged. */
	/** The price a gateway hold was made at: the gateway always reserves by model. */
	private static TokenPrice price(Reservation reservation) {
		return Objects.requireNonNull(reservation.price(), "a gateway hold is priced by model");
	}

	private static long inputTokens(Reservation reservation) {
		return Objects.requireNonNull(reservation.inputTokens(), "a gateway hold counts its input tokens");
	}

	private static long maxOutputTokens(Reservation reservation) {
		return Objects.requireNonNull(reservation.maxOutputTokens(), "a gateway hold bounds its output tokens");
	}

	private final class Call {

		final Dialect dialect;

		final HttpServletResponse response;

		final long start;

		long upstreamNanos;

		ReserveOutcome.@Nullable Allowed hold;

		/** The model the call is made with, as the caller named it (or the fallback). */
		String model = "unknown";

		/**
		 * The catalog entry it resolved to: the metrics' model tag, bounded whatever
		 * callers send.
		 */
		String metricModel = "unknown";

		String outcome = "rejected";

		Call(Dialect dialect, HttpServletResponse response, long start) {
			this.dialect = dialect;
			this.response = response;
			this.start = start;
		}

		Reservation reservation() {
			return allowed().reservation();
		}

		ReserveOutcome.Allowed allowed() {
			ReserveOutcome.Allowed allowed = this.hold;
			if (allowed == null) {
				throw new IllegalStateException("no hold");
			}
			return allowed;
		}

		void upstreamTook(long sent) {
			this.upstreamNanos = System.nanoTime() - sent;
		}

		void deny(String model, ReserveOutcome.Denied denied) throws IOException {
			boolean tokens = "TOKENS".equals(denied.unit());
			String available = Amounts.format(denied.available(), tokens);
			String message = (denied.reason() == DenyReason.MODEL_NOT_ALLOWED)
					? "budget-ledger denied this call (MODEL_NOT_ALLOWED): budget " + denied.limitingBudgetId()
							+ " does not allow " + model + ". The call was not made."
					: (denied.reason() == DenyReason.RUN_CALL_LIMIT)
							? "budget-ledger denied this call (RUN_CALL_LIMIT): budget " + denied.limitingBudgetId()
									+ " allows run " + denied.runId() + " no more calls. The call was not made."
							: (denied.reason() == DenyReason.RUN_AMOUNT_LIMIT)
									? "budget-ledger denied this call (RUN_AMOUNT_LIMIT): run " + denied.runId()
											+ " has " + available + " " + denied.unit() + " left of what budget "
											+ denied.limitingBudgetId()
											+ " allows per run, and this call may cost up to "
											+ Amounts.format(denied.requested(), tokens) + " " + denied.unit()
											+ ". The call was not made."
									: "budget-ledger denied this call (" + denied.reason().name() + "): budget "
											+ denied.limitingBudgetId() + " has " + available + " " + denied.unit()
											+ " left, and this call may cost up to "
											+ Amounts.format(denied.requested(), tokens) + " " + denied.unit()
											+ ". The call was not made.";
			this.response.setHeader("X-Budget-Decision", "DENY");
			this.response.setHeader("X-Budget-Reason", denied.reason().name());
			this.response.setHeader("X-Budget-Remaining", available);
			this.response.setHeader("X-Budget-Unit", denied.unit());
			this.metricModel = model;
			this.outcome = "denied";
			Long retryAfter = denied.retryAfterSeconds();
			if (retryAfter != null) {
				// A minute window's deny is the provider's own rate limit to an SDK: 429
				// with
				// Retry-After, which the SDKs wait for and retry.
				this.response.setHeader("Retry-After", retryAfter.toString());
				write(429,
						this.dialect.error("rate_limit_error", "rate_limit_exceeded",
								"budget-ledger denied this call (" + denied.reason().name() + "): budget "
										+ denied.limitingBudgetId() + " allows no more "
										+ ((denied.reason() == DenyReason.REQUEST_RATE_LIMIT) ? "requests" : "tokens")
										+ " this minute; retry after " + retryAfter + " s. The call was not made."));
			}
			else {
				write(402, this.dialect.error("budget_exceeded", denied.reason().name().toLowerCase(Locale.ROOT),
						message));
			}
			finish();
		}

		void fail(int status, String type, String code, String message) throws IOException {
			this.outcome = (status == 503) ? "unavailable" : "rejected";
			write(status, this.dialect.error(type, code, message));
			finish();
		}

		/** Nothing reached the provider: nothing is charged. */
		void notSent(Exception ex) throws IOException {
			log.warn("Gateway call on hold {} did not reach {}: {}", reservation().id(), this.dialect.provider(),
					ex.getMessage());
			release();
			this.outcome = "upstream_error";
			write(502, this.dialect.error("api_error", "upstream_unreachable",
					"budget-ledger could not reach " + this.dialect.provider() + "; nothing was charged"));
			finish();
		}

		/**
		 * Sent, but no answer: the provider may have done (and billed) the work, so the
		 * whole hold is charged.
		 */
		void noAnswer(Exception ex) throws IOException {
			settleWholeHold("no answer: " + ex.getMessage());
			this.outcome = "upstream_error";
			write(504, this.dialect.error("api_error", "upstream_timeout", this.dialect.provider()
					+ " did not answer in time; the call's outcome is unknown, so its whole hold was charged"));
			finish();
		}

		/**
		 * The provider answered an error: providers do not bill failed requests, so the
		 * hold goes back.
		 */
		void upstreamError(int status, HttpHeaders headers, byte[] body) throws IOException {
			release();
			this.outcome = "upstream_error";
			this.response.setHeader("X-Budget-Hold-Id", reservation().id().toString());
			this.response.setStatus(status);
			this.response.setContentType(headers.firstValue("Content-Type").orElse("application/json"));
			this.response.getOutputStream().write(body);
			finish();
		}

		void respond(int status, HttpHeaders headers, @Nullable Settlement settled) {
			Reservation reservation = reservation();
			this.response.setStatus(status);
			this.response.setContentType(headers.firstValue("Content-Type").orElse("application/json"));
			headers.firstValue("x-request-id").ifPresent(id -> this.response.setHeader("x-request-id", id));
			headers.firstValue("request-id").ifPresent(id -> this.response.setHeader("request-id", id));
			this.response.setHeader("Cache-Control", "no-cache");
			this.response.setHeader("X-Budget-Hold-Id", reservation.id().toString());
			this.response.setHeader("X-Budget-Decision",
					reservation.downgraded() && reservation.capped() ? "DOWNGRADED,CAPPED"
							: reservation.downgraded() ? "DOWNGRADED" : reservation.capped() ? "CAPPED" : "ALLOW");
			this.response.setHeader("X-Budget-Model", this.model);
			this.response.setHeader("X-Budget-Max-Output-Tokens", String.valueOf(reservation.maxOutputTokens()));
			ReserveOutcome.Allowed allowed = allowed();
			BigDecimal available = (settled != null) ? settled.available() : allowed.available();
			String unit = (settled != null) ? settled.unit() : allowed.unit();
			this.response.setHeader("X-Budget-Remaining", Amounts.format(available, "TOKENS".equals(unit)));
			this.response.setHeader("X-Budget-Unit", unit);
			if (settled != null) {
				this.response.setHeader("X-Budget-Charged", Amounts
					.format(Objects.requireNonNull(settled.reservation().charged(), "a settled hold is charged")));
			}
		}

		private void write(int status, byte[] body) throws IOException {
			this.response.setStatus(status);
			this.response.setContentType("application/json");
			this.response.getOutputStream().write(body);
		}

		@Nullable Settlement settle(TokenPrice.Usage usage, String how) {
			return settle(usage, null, how);
		}

		@Nullable Settlement settleWholeHold(String why) {
			Reservation reservation = reservation();
			log.warn("Gateway hold {} charged in full: {}", reservation.id(), why);
			return settle(new TokenPrice.Usage(inputTokens(reservation), maxOutputTokens(reservation), 0, 0, 0),
					reservation.amount(), "whole hold");
		}

		/**
		 * Settles, once more on failure; a settle that still fails is logged and left to
		 * expire.
		 */
		private @Nullable Settlement settle(TokenPrice.Usage usage, @Nullable BigDecimal amount, String how) {
			UUID id = reservation().id();
			for (int attempt = 1;; attempt++) {
				try {
					Settlement settled = Relay.this.ledger.settle(id, usage, amount);
					log.debug("Gateway hold {} settled ({}): {}", id, how, usage);
					return settled;
				}
				catch (RuntimeException ex) {
					if (attempt >= 2) {
						log.error(
								"Gateway hold {} could not be settled ({}, usage {}, amount {}); it is left to expire: {}",
								id, how, usage, amount, ex.toString());
						return null;
					}
				}
			}
		}

		private void release() {
			UUID id = reservation().id();
			for (int attempt = 1;; attempt++) {
				try {
					Relay.this.ledger.release(id);
					return;
				}
				catch (RuntimeException ex) {
					if (attempt >= 2) {
						log.error("Gateway hold {} could not be released; it is left to expire: {}", id, ex.toString());
						return;
					}
				}
			}
		}

		void extend(Duration ttl) {
			try {
				Relay.this.ledger.extend(reservation().id(), ttl);
			}
			catch (RuntimeException ex) {
				log.warn("Gateway hold {} could not be extended: {}", reservation().id(), ex.toString());
			}
		}

		void finish() {
			long total = System.nanoTime() - this.start;
			String provider = this.dialect.provider();
			Relay.this.metrics.call(provider, this.metricModel, this.outcome);
			if (this.upstreamNanos > 0) {
				Relay.this.metrics.upstream(provider, Duration.ofNanos(this.upstreamNanos));
			}
			Relay.this.metrics.overhead(provider, Duration.ofNanos(Math.max(0, total - this.upstreamNanos)));
		}

	}

}
