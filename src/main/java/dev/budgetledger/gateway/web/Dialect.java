package dev.budgetledger.gateway.web;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.budgetledger.pricing.TokenPrice;

/**
 * One provider endpoint as the gateway needs to know it: where the request names its
 * model and output limit, how to count its input, where the answer reports usage, how its
 * stream is shaped and what its errors look like. Stateless; {@link Stream} holds what
 * one streamed answer has shown so far.
 */
abstract class Dialect {

	/** {@code openai} or {@code anthropic}: the metrics tag and the settings key. */
	abstract String provider();

	/**
	 * The endpoint, for metadata and logs: {@code chat.completions}, {@code messages},
	 * ...
	 */
	abstract String endpoint();

	/** The path under the provider's base URL. */
	abstract String path();

	/** The model the request names. */
	abstract String model(ObjectNode request);

	/** Input tokens of the request, counted (or estimated) for {@code model}. */
	abstract long inputTokens(ObjectNode request, String model);

	/**
	 * The request's own output limit, over all the answers it asks for; null when it sets
	 * none.
	 */
	abstract @Nullable Long maxOutputTokens(ObjectNode request);

	/**
	 * Rewrites the request to what was allowed: the model held and at most
	 * {@code maxOutputTokens} of output.
	 */
	abstract void apply(ObjectNode request, String model, long maxOutputTokens);

	boolean streams(ObjectNode request) {
		JsonNode stream = request.get("stream");
		return stream != null && stream.asBoolean(false);
	}

	/**
	 * Prepares a streamed request (asking for usage) and returns the state that reads its
	 * answer.
	 */
	abstract Stream stream(ObjectNode request, String model);

	/** The usage an answer reports, or null when it reports none. */
	abstract TokenPrice.@Nullable Usage usage(JsonNode answer);

	/** Output tokens counted in an answer that reports no usage. */
	abstract long outputTokens(JsonNode answer, String model);

	/**
	 * Whether the call may bill output (reasoning) that its answer never shows, so it
	 * cannot be counted.
	 */
	abstract boolean hiddenReasoning(ObjectNode request, String model);

	/**
	 * The end user the request itself names (OpenAI {@code user}, Anthropic
	 * {@code metadata.user_id}), if any.
	 */
	abstract @Nullable String endUser(ObjectNode request);

	/** An error in the provider's own shape, so its SDK raises its normal API error. */
	abstract byte[] error(String type, String code, String message);

	/**
	 * The event that ends a stream the provider broke off, in the provider's own
	 * mid-stream error form, so the SDK raises an error instead of taking the cut answer
	 * for a whole one.
	 */
	abstract String streamError(String message);

	/**
	 * The headers sent upstream: the operator's credential, and the few caller headers
	 * the provider needs.
	 */
	abstract Map<String, String> upstreamHeaders(HttpServletRequest caller, String apiKey);

	/** What one streamed answer has shown so far. */
	abstract static class Stream {

		/**
		 * Reads one server-sent event.
		 * @param event its {@code event:} name, if any
		 * @param data its {@code data:}, lines joined
		 * @return whether the caller gets it (the usage chunk the caller did not ask for
		 * is kept back)
		 */
		abstract boolean onEvent(@Nullable String event, String data);

		/**
		 * Whether this event ends the answer ({@code data: [DONE]},
		 * {@code message_stop}): the gateway settles before passing it on, so a caller
		 * that has seen the end of its stream finds its hold settled.
		 */
		abstract boolean ends(@Nullable String event, String data);

		/** The usage the stream reported in full, or null if it has not (yet). */
		abstract TokenPrice.@Nullable Usage usage();

		/**
		 * The best count of a stream cut short: usage reported so far, else input as held
		 * and output counted.
		 */
		abstract TokenPrice.Usage partialUsage(long inputTokens, long maxOutputTokens);

	}

	static String text(@Nullable JsonNode node) {
		return (node != null && node.isString()) ? node.asString() : "";
	}

	static long number(@Nullable JsonNode node) {
		return (node != null && node.isNumber()) ? node.asLong() : 0L;
	}

}
