package dev.budgetledger.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.budgetledger.gateway.TokenCounter;
import dev.budgetledger.pricing.TokenPrice;

import org.springframework.stereotype.Component;

/**
 * OpenAI chat completions ({@code POST /v1/chat/completions}). Input is counted with the
 * model's encoding in the chat format (3 tokens per message, 1 for a name, 3 priming the
 * reply; tool definitions and tool calls as their JSON text, an image part as
 * {@value #IMAGE_TOKENS}); output is limited with {@code max_completion_tokens} (or the
 * request's own {@code max_tokens}), per choice, {@code n} choices.
 */
@Component
class OpenAiChat extends Dialect {

	/**
	 * An image part: more than a high-detail image costs gpt-4o (at most 1,105), and
	 * about what one costs Claude.
	 */
	static final long IMAGE_TOKENS = 1600;

	private final TokenCounter tokens;

	private final JsonMapper json;

	OpenAiChat(TokenCounter tokens, JsonMapper json) {
		this.tokens = tokens;
		this.json = json;
	}

	@Override
	String provider() {
		return "openai";
	}

	@Override
	String endpoint() {
		return "chat.completions";
	}

	@Override
	String path() {
		return "/chat/completions";
	}

	@Override
	String model(ObjectNode request) {
		String model = text(request.get("model"));
		if (model.isEmpty()) {
			throw new GatewayRequestException("model", "is required");
		}
		return model;
	}

	@Override
	long inputTokens(ObjectNode request, String model) {
		JsonNode messages = request.get("messages");
		if (messages == null || !messages.isArray() || messages.isEmpty()) {
			throw new GatewayRequestException("messages", "must be a non-empty array");
		}
		long total = 3;
		for (JsonNode message : messages) {
			total += 3;
			for (Map.Entry<String, JsonNode> field : message.properties()) {
				total += count(field.getValue(), model);
				if (field.getKey().equals("name")) {
					total += 1;
				}
			}
		}
		for (String definitions : new String[] { "tools", "functions", "response_format" }) {
			JsonNode node = request.get(definitions);
			if (node != null && !node.isNull()) {
				total += this.tokens.count(model, this.json.writeValueAsString(node));
			}
		}
		return total;
	}

	/**
	 * Text of a message field: a string, or content parts (text counted, images at a
	 * fixed price, anything else as its JSON text), or tool calls. The part types of chat
	 * completions and of the Responses API alike.
	 */
	long count(@Nullable JsonNode value, String model) {
		if (value == null) {
			return 0;
		}
		if (value.isString()) {
			return this.tokens.count(model, value.asString());
		}
		if (value.isArray()) {
			long total = 0;
			for (JsonNode part : value) {
				String type = text(part.get("type"));
				if (type.equals("image_url") || type.equals("input_image")) {
					total += IMAGE_TOKENS;
				}
				else if (type.equals("text") || type.equals("input_text") || type.equals("output_text")) {
					total += this.tokens.count(model, text(part.get("text")));
				}
				else {
					total += this.tokens.count(model, this.json.writeValueAsString(part));
				}
			}
			return total;
		}
		if (value.isObject()) {
			return this.tokens.count(model, this.json.writeValueAsString(value));
		}
		return 0;
	}

	private static long choices(ObjectNode request) {
		JsonNode n = request.get("n");
		return (n != null && n.isNumber() && n.asLong() > 1) ? n.asLong() : 1;
	}

	@Override
	@Nullable Long maxOutputTokens(ObjectNode request) {
		JsonNode limit = request.get("max_completion_tokens");
		if (limit == null || !limit.isNumber()) {
			limit = request.get("max_tokens");
		}
		if (limit == null || !limit.isNumber()) {
			return null;
		}
		return limit.asLong() * choices(request);
	}

	@Override
	void apply(ObjectNode request, String model, long maxOutputTokens) {
		request.put("model", model);
		long perChoice = Math.max(1, maxOutputTokens / choices(request));
		// Keep the field the caller used (older models take only max_tokens); reasoning
		// models need the newer one.
		JsonNode legacy = request.get("max_tokens");
		if (legacy != null && legacy.isNumber()) {
			request.put("max_tokens", perChoice);
			if (request.has("max_completion_tokens")) {
				request.put("max_completion_tokens", perChoice);
			}
		}
		else {
			request.put("max_completion_tokens", perChoice);
		}
	}

	@Override
	Stream stream(ObjectNode request, String model) {
		JsonNode options = request.get("stream_options");
		boolean asked = options != null && options.path("include_usage").asBoolean(false);
		ObjectNode rewritten = (options != null && options.isObject()) ? (ObjectNode) options
				: request.putObject("stream_options");
		rewritten.put("include_usage", true);
		return new ChatStream(model, asked);
	}

	@Override
	TokenPrice.@Nullable Usage usage(JsonNode answer) {
		return usage(answer, "prompt", "completion");
	}

	/**
	 * OpenAI's usage object as one of its APIs names it
	 * ({@code prompt}/{@code completion} for chat, {@code input}/{@code output} for
	 * Responses): its input includes the cached input, its output the reasoning.
	 */
	static TokenPrice.@Nullable Usage usage(JsonNode answer, String input, String output) {
		JsonNode usage = answer.get("usage");
		if (usage == null || !usage.isObject()) {
			return null;
		}
		long in = number(usage.get(input + "_tokens"));
		long cached = number(usage.path(input + "_tokens_details").get("cached_tokens"));
		long out = number(usage.get(output + "_tokens"));
		long reasoning = number(usage.path(output + "_tokens_details").get("reasoning_tokens"));
		return new TokenPrice.Usage(Math.max(0, in - cached), Math.max(0, out - reasoning), cached, 0, reasoning);
	}

	@Override
	long outputTokens(JsonNode answer, String model) {
		StringBuilder text = new StringBuilder();
		for (JsonNode choice : answer.path("choices")) {
			JsonNode message = choice.path("message");
			text.append(text(message.get("content"))).append(text(message.get("refusal")));
			JsonNode calls = message.get("tool_calls");
			if (calls != null && !calls.isNull()) {
				text.append(this.json.writeValueAsString(calls));
			}
		}
		return this.tokens.count(model, text.toString());
	}

	@Override
	boolean hiddenReasoning(ObjectNode request, String model) {
		return reasoningModel(model);
	}

	/** OpenAI's reasoning models bill reasoning tokens they never stream. */
	static boolean reasoningModel(String model) {
		String name = model.substring(model.lastIndexOf('/') + 1);
		return name.startsWith("o1") || name.startsWith("o3") || name.startsWith("o4") || name.startsWith("gpt-5");
	}

	@Override
	@Nullable String endUser(ObjectNode request) {
		String user = text(request.get("user"));
		return user.isEmpty() ? null : user;
	}

	@Override
	byte[] error(String type, String code, String message) {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("message", message);
		error.put("type", type);
		error.put("param", null);
		error.put("code", code);
		return this.json.writeValueAsBytes(Map.of("error", error));
	}

	@Override
	String streamError(String message) {
		return "data: " + new String(error("api_error", "upstream_broke_off", message), StandardCharsets.UTF_8)
				+ "\n\n";
	}

	@Override
	Map<String, String> upstreamHeaders(HttpServletRequest caller, String apiKey) {
		return openAiHeaders(caller, apiKey);
	}

	static Map<String, String> openAiHeaders(HttpServletRequest caller, String apiKey) {
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("Authorization", "Bearer " + apiKey);
		headers.put("Content-Type", "application/json");
		String beta = caller.getHeader("OpenAI-Beta");
		if (beta != null) {
			headers.put("OpenAI-Beta", beta);
		}
		return headers;
	}

	/**
	 * A chat completion stream: chunks of deltas, then (as asked for) one chunk with
	 * usage and no choices.
	 */
	private final class ChatStream extends Stream {

		private final String model;

		private final boolean callerAskedForUsage;

		private final StringBuilder output = new StringBuilder();

		private TokenPrice.@Nullable Usage usage;

		ChatStream(String model, boolean callerAskedForUsage) {
			this.model = model;
			this.callerAskedForUsage = callerAskedForUsage;
		}

		@Override
		boolean onEvent(@Nullable String event, String data) {
			if (data.equals("[DONE]") || data.isEmpty()) {
				return true;
			}
			JsonNode chunk;
			try {
				chunk = OpenAiChat.this.json.readTree(data.getBytes(StandardCharsets.UTF_8));
			}
			catch (RuntimeException ex) {
				return true;
			}
			TokenPrice.Usage reported = OpenAiChat.this.usage(chunk);
			if (reported != null) {
				this.usage = reported;
			}
			JsonNode choices = chunk.path("choices");
			for (JsonNode choice : choices) {
				JsonNode delta = choice.path("delta");
				this.output.append(text(delta.get("content"))).append(text(delta.get("refusal")));
				for (JsonNode call : delta.path("tool_calls")) {
					this.output.append(text(call.path("function").get("arguments")));
				}
			}
			return !(reported != null && choices.isEmpty() && !this.callerAskedForUsage);
		}

		@Override
		boolean ends(@Nullable String event, String data) {
			return data.equals("[DONE]");
		}

		@Override
		TokenPrice.@Nullable Usage usage() {
			return this.usage;
		}

		@Override
		TokenPrice.Usage partialUsage(long inputTokens, long maxOutputTokens) {
			long output = Math.min(maxOutputTokens, OpenAiChat.this.tokens.count(this.model, this.output.toString()));
			return new TokenPrice.Usage(inputTokens, output, 0, 0, 0);
		}

	}

}
