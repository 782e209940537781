package dev.budgetledger.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.budgetledger.gateway.TokenCounter;
import dev.budgetledger.pricing.TokenPrice;

import org.springframework.stereotype.Component;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}), stateless calls only. Input is
 * counted as for chat completions: {@code instructions} (as a system message) and every
 * input item (a message's text parts with the model's encoding, an image at
 * {@value OpenAiChat#IMAGE_TOKENS}, any other item and the tool and format definitions as
 * their JSON text), plus 3 tokens per item and 3 priming the reply. Output is limited
 * with {@code max_output_tokens}, which covers reasoning too. Usage comes in the answer,
 * and in a stream with its last event ({@code response.completed},
 * {@code response.incomplete} or {@code response.failed}), so nothing is added to the
 * request. A call that refers to state kept at OpenAI ({@code previous_response_id},
 * {@code conversation}, {@code item_reference}) or asks to run in the background is
 * refused: its input, or its outcome, cannot be known before the call.
 */
@Component
class OpenAiResponses extends Dialect {

	private static final Set<String> LAST_EVENTS = Set.of("response.completed", "response.incomplete",
			"response.failed");

	private final OpenAiChat chat;

	private final TokenCounter tokens;

	private final JsonMapper json;

	OpenAiResponses(OpenAiChat chat, TokenCounter tokens, JsonMapper json) {
		this.chat = chat;
		this.tokens = tokens;
		this.json = json;
	}

	@Override
	String provider() {
		return "openai";
	}

	@Override
	String endpoint() {
		return "responses";
	}

	@Override
	String path() {
		return "/responses";
	}

	@Override
	String model(ObjectNode request) {
		return this.chat.model(request);
	}

	@Override
	long inputTokens(ObjectNode request, String model) {
		refuseState(request);
		long total = 3;
		JsonNode instructions = request.get("instructions");
		if (instructions != null && !instructions.isNull()) {
			total += 3 + count(instructions, model);
		}
		JsonNode input = request.get("input");
		if (input == null || input.isNull() || (input.isArray() && input.isEmpty())
				|| (input.isString() && input.asString().isEmpty())) {
			throw new GatewayRequestException("input", "is required: a string or a non-empty array of items");
		}
		if (input.isString()) {
			total += 3 + this.tokens.count(model, input.asString());
		}
		else if (input.isArray()) {
			for (JsonNode item : input) {
				total += 3 + item(item, model);
			}
		}
		else {
			throw new GatewayRequestException("input", "must be a string or an array of items");
		}
		for (String definitions : new String[] { "tools", "text", "tool_choice" }) {
			JsonNode node = request.get(definitions);
			if (node != null && !node.isNull()) {
				total += this.tokens.count(model, this.json.writeValueAsString(node));
			}
		}
		return total;
	}

	private void refuseState(ObjectNode request) {
		for (String field : new String[] { "previous_response_id", "conversation" }) {
			JsonNode value = request.get(field);
			if (value != null && !value.isNull()) {
				throw new GatewayRequestException(field, "is not supported by the budget-ledger gateway: the earlier "
						+ "turns it adds cannot be counted before the call; send the conversation as input");
			}
		}
		if (request.path("background").asBoolean(false)) {
			throw new GatewayRequestException("background",
					"is not supported by the budget-ledger gateway: " + "a call must be answered to be settled");
		}
	}

	/** One input item: a message's content, or any other item as its JSON text. */
	private long item(JsonNode item, String model) {
		String type = text(item.get("type"));
		if (type.equals("item_reference")) {
			throw new GatewayRequestException("input", "item_reference is not supported by the budget-ledger "
					+ "gateway: the item it refers to cannot be counted before the call; send the item itself");
		}
		if (type.equals("message") || (type.isEmpty() && item.has("role"))) {
			return count(item.get("content"), model);
		}
		return this.tokens.count(model, this.json.writeValueAsString(item));
	}

	private long count(@Nullable JsonNode value, String model) {
		return (value == null || value.isNull()) ? 0 : this.chat.count(value, model);
	}

	@Override
	@Nullable Long maxOutputTokens(ObjectNode request) {
		JsonNode limit = request.get("max_output_tokens");
		return (limit != null && limit.isNumber()) ? limit.asLong() : null;
	}

	@Override
	void apply(ObjectNode request, String model, long maxOutputTokens) {
		request.put("model", model);
		request.put("max_output_tokens", Math.max(1, maxOutputTokens));
	}

	@Override
	Stream stream(ObjectNode request, String model) {
		return new ResponsesStream(model);
	}

	@Override
	TokenPrice.@Nullable Usage usage(JsonNode answer) {
		return OpenAiChat.usage(answer, "input", "output");
	}

	@Override
	long outputTokens(JsonNode answer, String model) {
		StringBuilder text = new StringBuilder();
		for (JsonNode item : answer.path("output")) {
			String type = text(item.get("type"));
			if (type.equals("message")) {
				for (JsonNode part : item.path("content")) {
					text.append(text(part.get("text"))).append(text(part.get("refusal")));
				}
			}
			else if (type.equals("function_call")) {
				text.append(text(item.get("arguments")));
			}
			else if (!type.equals("reasoning")) {
				text.append(this.json.writeValueAsString(item));
			}
		}
		return this.tokens.count(model, text.toString());
	}

	@Override
	boolean hiddenReasoning(ObjectNode request, String model) {
		return OpenAiChat.reasoningModel(model);
	}

	@Override
	@Nullable String endUser(ObjectNode request) {
		for (String field : new String[] { "safety_identifier", "user" }) {
			String user = text(request.get(field));
			if (!user.isEmpty()) {
				return user;
			}
		}
		return null;
	}

	@Override
	byte[] error(String type, String code, String message) {
		return this.chat.error(type, code, message);
	}

	/**
	 * The Responses API's own mid-stream error event ({@code type: error} with code and
	 * message), which also carries the error object the SDKs raise when an {@code error}
	 * event has one.
	 */
	@Override
	String streamError(String message) {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("type", "error");
		error.put("code", "upstream_broke_off");
		error.put("message", message);
		error.put("param", null);
		error.put("sequence_number", 0);
		error.put("error", Map.of("type", "api_error", "code", "upstream_broke_off", "message", message));
		return "event: error\ndata: " + this.json.writeValueAsString(error) + "\n\n";
	}

	@Override
	Map<String, String> upstreamHeaders(HttpServletRequest caller, String apiKey) {
		return OpenAiChat.openAiHeaders(caller, apiKey);
	}

	/**
	 * A Responses stream: typed events, text in {@code *.delta} events, usage in the last
	 * one.
	 */
	private final class ResponsesStream extends Stream {

		private final String model;

		private final StringBuilder output = new StringBuilder();

		private TokenPrice.@Nullable Usage usage;

		ResponsesStream(String model) {
			this.model = model;
		}

		private @Nullable JsonNode parse(String data) {
			try {
				return OpenAiResponses.this.json.readTree(data.getBytes(StandardCharsets.UTF_8));
			}
			catch (RuntimeException ex) {
				return null;
			}
		}

		@Override
		boolean onEvent(@Nullable String event, String data) {
			JsonNode parsed = parse(data);
			if (parsed == null) {
				return true;
			}
			String type = text(parsed.get("type"));
			if (type.equals("response.output_text.delta") || type.equals("response.refusal.delta")
					|| type.equals("response.function_call_arguments.delta")) {
				this.output.append(text(parsed.get("delta")));
			}
			if (LAST_EVENTS.contains(type)) {
				this.usage = OpenAiResponses.this.usage(parsed.path("response"));
			}
			return true;
		}

		@Override
		boolean ends(@Nullable String event, String data) {
			JsonNode parsed = parse(data);
			String type = (parsed != null) ? text(parsed.get("type")) : String.valueOf(event);
			if (!LAST_EVENTS.contains(type)) {
				return false;
			}
			onEvent(event, data);
			return true;
		}

		@Override
		TokenPrice.@Nullable Usage usage() {
			return this.usage;
		}

		@Override
		TokenPrice.Usage partialUsage(long inputTokens, long maxOutputTokens) {
			long output = Math.min(maxOutputTokens,
					OpenAiResponses.this.tokens.count(this.model, this.output.toString()));
			return new TokenPrice.Usage(inputTokens, output, 0, 0, 0);
		}

	}

}
