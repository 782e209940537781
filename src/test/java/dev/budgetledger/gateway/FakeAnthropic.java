package dev.budgetledger.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * Answers {@code POST /v1/messages} the way Anthropic does: message_start, deltas,
 * message_delta, message_stop.
 */
final class FakeAnthropic extends FakeProvider {

	FakeAnthropic() {
		super("/v1/");
	}

	@Override
	String answer(String path, JsonNode request) {
		Map<String, Object> body = message(request);
		body.put("content", List.of(Map.of("type", "text", "text", text())));
		body.put("stop_reason", "end_turn");
		body.put("usage", usage(this.usage.output()));
		return json.writeValueAsString(body);
	}

	private Map<String, Object> message(JsonNode request) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("id", "msg_fake");
		body.put("type", "message");
		body.put("role", "assistant");
		body.put("model", request.path("model").asString());
		body.put("content", List.of());
		body.put("stop_reason", null);
		body.put("stop_sequence", null);
		return body;
	}

	private String text() {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < this.pieces; i++) {
			text.append("word").append(i).append(' ');
		}
		return text.toString();
	}

	/** Anthropic's usage: input_tokens leaves out cached input, reported apart. */
	private Map<String, Object> usage(long output) {
		Usage u = this.usage;
		Map<String, Object> usage = new LinkedHashMap<>();
		usage.put("input_tokens", u.input());
		usage.put("cache_creation_input_tokens", u.cacheWrite());
		usage.put("cache_read_input_tokens", u.cached());
		usage.put("output_tokens", output);
		return usage;
	}

	@Override
	List<String> events(String path, JsonNode request) {
		List<String> events = new ArrayList<>();
		Map<String, Object> start = message(request);
		start.put("usage", usage(1));
		events.add(event("message_start", Map.of("type", "message_start", "message", start)));
		events.add(event("content_block_start", Map.of("type", "content_block_start", "index", 0, "content_block",
				Map.of("type", "text", "text", ""))));
		for (int i = 0; i < this.pieces; i++) {
			events.add(event("content_block_delta", Map.of("type", "content_block_delta", "index", 0, "delta",
					Map.of("type", "text_delta", "text", "word" + i + " "))));
		}
		events.add(event("content_block_stop", Map.of("type", "content_block_stop", "index", 0)));
		Map<String, Object> delta = new LinkedHashMap<>();
		delta.put("stop_reason", "end_turn");
		delta.put("stop_sequence", null);
		events.add(event("message_delta", Map.of("type", "message_delta", "delta", delta, "usage",
				Map.of("output_tokens", this.usage.output()))));
		events.add(event("message_stop", Map.of("type", "message_stop")));
		return events;
	}

	private static String event(String name, Map<String, Object> data) {
		return "event: " + name + "\ndata: " + json.writeValueAsString(data) + "\n\n";
	}

	@Override
	String error(String type, String message) {
		return json
			.writeValueAsString(Map.of("type", "error", "error", Map.of("type", "api_error", "message", message)));
	}

}
