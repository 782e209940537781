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
 * Anthropic messages ({@code POST /v1/messages}). Anthropic publishes no tokenizer for
 * its current models, so input is estimated:
 * {@code ceil(UTF-8 bytes of every text of system, messages and tools / 3) + 8 per message},
 * an image at {@value OpenAiChat#IMAGE_TOKENS} (Anthropic's own rule, width x height /
 * 750, stays under that for images within its size limits). Output is limited with
 * {@code max_tokens}, which Anthropic requires anyway.
 */
@Component
class AnthropicMessages extends Dialect {

	static final String DEFAULT_VERSION = "2023-06-01";

	static final long PER_MESSAGE = 8;

	private final JsonMapper json;

	AnthropicMessages(JsonMapper json) {
		this.json = json;
	}

	@Override
	String provider() {
		return "anthropic";
	}

	@Override
	String endpoint() {
		return "messages";
	}

	@Override
	String path() {
		return "/v1/messages";
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
		long[] bytesAndImages = new long[2];
		walk(request.get("system"), bytesAndImages);
		walk(messages, bytesAndImages);
		walk(request.get("tools"), bytesAndImages);
		walk(request.get("tool_choice"), bytesAndImages);
		return TokenCounter.estimateBytes(bytesAndImages[0]) + PER_MESSAGE * messages.size()
				+ OpenAiChat.IMAGE_TOKENS * bytesAndImages[1];
	}

	/**
	 * Adds the UTF-8 bytes of every string under {@code node}, except image data, which
	 * counts as an image.
	 */
	private static void walk(@Nullable JsonNode node, long[] bytesAndImages) {
		if (node == null) {
			return;
		}
		if (node.isString()) {
			bytesAndImages[0] += node.asString().getBytes(StandardCharsets.UTF_8).length;
		}
		else if (node.isArray()) {
			node.forEach(item -> walk(item, bytesAndImages));
		}
		else if (node.isObject()) {
			if (text(node.get("type")).equals("image")) {
				bytesAndImages[1]++;
				return;
			}
			for (Map.Entry<String, JsonNode> field : node.properties()) {
				walk(field.getValue(), bytesAndImages);
			}
		}
	}

	@Override
	@Nullable Long maxOutputTokens(ObjectNode request) {
		JsonNode limit = request.get("max_tokens");
		return (limit != null && limit.isNumber()) ? limit.asLong() : null;
	}

	@Override
	void apply(ObjectNode request, String model, long maxOutputTokens) {
		request.put("model", model);
		request.put("max_tokens", maxOutputTokens);
	}

	@Override
	Stream stream(ObjectNode request, String model) {
		return new MessageStream();
	}

	@Override
	TokenPrice.@Nullable Usage usage(JsonNode answer) {
		JsonNode usage = answer.get("usage");
		return (usage != null && usage.isObject()) ? usage(usage, null) : null;
	}

	/**
	 * Anthropic's usage: input excludes cached input already; output includes thinking.
	 */
	private static TokenPrice.Usage usage(JsonNode usage, TokenPrice.@Nullable Usage earlier) {
		long input = usage.has("input_tokens") && !usage.get("input_tokens").isNull()
				? number(usage.get("input_tokens")) : (earlier != null) ? earlier.inputTokens() : 0;
		long cacheRead = usage.has("cache_read_input_tokens") && !usage.get("cache_read_input_tokens").isNull()
				? number(usage.get("cache_read_input_tokens")) : (earlier != null) ? earlier.cacheReadTokens() : 0;
		long cacheWrite = usage.has("cache_creation_input_tokens") && !usage.get("cache_creation_input_tokens").isNull()
				? number(usage.get("cache_creation_input_tokens")) : (earlier != null) ? earlier.cacheWriteTokens() : 0;
		long output = number(usage.get("output_tokens"));
		return new TokenPrice.Usage(input, output, cacheRead, cacheWrite, 0);
	}

	@Override
	long outputTokens(JsonNode answer, String model) {
		long[] bytes = new long[2];
		walk(answer.get("content"), bytes);
		return TokenCounter.estimateBytes(bytes[0]);
	}

	@Override
	boolean hiddenReasoning(ObjectNode request, String model) {
		// Claude 4 models stream a summary of their thinking but bill all of it.
		String type = text(request.path("thinking").get("type"));
		return type.equals("enabled") || type.equals("adaptive");
	}

	@Override
	@Nullable String endUser(ObjectNode request) {
		String user = text(request.path("metadata").get("user_id"));
		return user.isEmpty() ? null : user;
	}

	@Override
	byte[] error(String type, String code, String message) {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("type", type);
		error.put("message", message);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", "error");
		body.put("error", error);
		return this.json.writeValueAsBytes(body);
	}

	@Override
	String streamError(String message) {
		return "event: error\ndata: " + new String(error("api_error", "", message), StandardCharsets.UTF_8) + "\n\n";
	}

	@Override
	Map<String, String> upstreamHeaders(HttpServletRequest caller, String apiKey) {
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("x-api-key", apiKey);
		headers.put("Content-Type", "application/json");
		String version = caller.getHeader("anthropic-version");
		headers.put("anthropic-version", (version != null) ? version : DEFAULT_VERSION);
		String beta = caller.getHeader("anthropic-beta");
		if (beta != null) {
			headers.put("anthropic-beta", beta);
		}
		return headers;
	}

	/**
	 * A message stream: {@code message_start} (input usage), content block deltas,
	 * {@code message_delta} (the cumulative output usage), {@code message_stop}.
	 */
	private final class MessageStream extends Stream {

		private long outputBytes;

		private TokenPrice.@Nullable Usage started;

		private TokenPrice.@Nullable Usage finished;

		@Override
		boolean onEvent(@Nullable String event, String data) {
			JsonNode payload;
			try {
				payload = AnthropicMessages.this.json.readTree(data.getBytes(StandardCharsets.UTF_8));
			}
			catch (RuntimeException ex) {
				return true;
			}
			String type = text(payload.get("type"));
			switch (type) {
				case "message_start" -> {
					JsonNode usage = payload.path("message").get("usage");
					if (usage != null && usage.isObject()) {
						this.started = AnthropicMessages.usage(usage, null);
					}
				}
				case "content_block_delta" -> {
					JsonNode delta = payload.path("delta");
					this.outputBytes += bytes(delta.get("text")) + bytes(delta.get("partial_json"))
							+ bytes(delta.get("thinking"));
				}
				case "message_delta" -> {
					JsonNode usage = payload.get("usage");
					if (usage != null && usage.isObject()) {
						this.finished = AnthropicMessages.usage(usage, this.started);
					}
				}
				default -> {
				}
			}
			return true;
		}

		private static long bytes(@Nullable JsonNode node) {
			return text(node).getBytes(StandardCharsets.UTF_8).length;
		}

		@Override
		boolean ends(@Nullable String event, String data) {
			return "message_stop".equals(event);
		}

		@Override
		TokenPrice.@Nullable Usage usage() {
			return this.finished;
		}

		@Override
		TokenPrice.Usage partialUsage(long inputTokens, long maxOutputTokens) {
			long counted = TokenCounter.estimateBytes(this.outputBytes);
			TokenPrice.Usage start = this.started;
			if (start == null) {
				return new TokenPrice.Usage(inputTokens, Math.min(maxOutputTokens, counted), 0, 0, 0);
			}
			long output = Math.min(maxOutputTokens, Math.max(counted, start.outputTokens()));
			return new TokenPrice.Usage(start.inputTokens(), output, start.cacheReadTokens(), start.cacheWriteTokens(),
					0);
		}

	}

}
