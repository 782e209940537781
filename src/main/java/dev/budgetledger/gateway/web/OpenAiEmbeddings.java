package dev.budgetledger.gateway.web;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.budgetledger.gateway.TokenCounter;
import dev.budgetledger.pricing.TokenPrice;

import org.springframework.stereotype.Component;

/**
 * OpenAI embeddings ({@code POST /v1/embeddings}): input only, counted with the model's
 * encoding (a string, a list of strings, or token ids as given); no output, no stream.
 */
@Component
class OpenAiEmbeddings extends Dialect {

	private final TokenCounter tokens;

	private final OpenAiChat chat;

	OpenAiEmbeddings(TokenCounter tokens, OpenAiChat chat) {
		this.tokens = tokens;
		this.chat = chat;
	}

	@Override
	String provider() {
		return "openai";
	}

	@Override
	String endpoint() {
		return "embeddings";
	}

	@Override
	String path() {
		return "/embeddings";
	}

	@Override
	String model(ObjectNode request) {
		return this.chat.model(request);
	}

	@Override
	long inputTokens(ObjectNode request, String model) {
		JsonNode input = request.get("input");
		if (input == null || input.isNull()) {
			throw new GatewayRequestException("input", "is required");
		}
		return count(input, model);
	}

	private long count(JsonNode input, String model) {
		if (input.isString()) {
			return this.tokens.count(model, input.asString());
		}
		if (input.isNumber()) {
			return 1;
		}
		long total = 0;
		for (JsonNode item : input) {
			total += count(item, model);
		}
		return total;
	}

	@Override
	@Nullable Long maxOutputTokens(ObjectNode request) {
		return 0L;
	}

	@Override
	void apply(ObjectNode request, String model, long maxOutputTokens) {
		request.put("model", model);
	}

	@Override
	boolean streams(ObjectNode request) {
		return false;
	}

	@Override
	Stream stream(ObjectNode request, String model) {
		throw new UnsupportedOperationException("embeddings do not stream");
	}

	@Override
	TokenPrice.@Nullable Usage usage(JsonNode answer) {
		JsonNode usage = answer.get("usage");
		if (usage == null || !usage.isObject()) {
			return null;
		}
		return new TokenPrice.Usage(number(usage.get("prompt_tokens")), 0, 0, 0, 0);
	}

	@Override
	long outputTokens(JsonNode answer, String model) {
		return 0;
	}

	@Override
	boolean hiddenReasoning(ObjectNode request, String model) {
		return false;
	}

	@Override
	@Nullable String endUser(ObjectNode request) {
		return this.chat.endUser(request);
	}

	@Override
	byte[] error(String type, String code, String message) {
		return this.chat.error(type, code, message);
	}

	@Override
	String streamError(String message) {
		return this.chat.streamError(message);
	}

	@Override
	Map<String, String> upstreamHeaders(HttpServletRequest caller, String apiKey) {
		return this.chat.upstreamHeaders(caller, apiKey);
	}

}
