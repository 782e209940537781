package dev.budgetledger.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * Answers {@code POST /v1/chat/completions}, {@code /v1/embeddings} and
 * {@code /v1/responses} the way OpenAI does, streams and usage included.
 */
final class FakeOpenAi extends FakeProvider {

	FakeOpenAi() {
		super("/v1/");
	}

	@Override
	String answer(String path, JsonNode request) {
		if (path.endsWith("/responses")) {
			return json.writeValueAsString(response(request, "completed"));
		}
		if (request.has("input")) {
			return embedding(request);
		}
		Map<String, Object> message = Map.of("role", "assistant", "content", text());
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("id", "chatcmpl-fake");
		body.put("object", "chat.completion");
		body.put("created", 1_700_000_000);
		body.put("model", request.path("model").asString());
		Map<String, Object> choice = new LinkedHashMap<>();
		choice.put("index", 0);
		choice.put("message", message);
		choice.put("finish_reason", "stop");
		choice.put("logprobs", null);
		body.put("choices", List.of(choice));
		body.put("usage", usage());
		return json.writeValueAsString(body);
	}

	private String embedding(JsonNode request) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("object", "list");
		body.put("data", List.of(Map.of("object", "embedding", "index", 0, "embedding", List.of(0.25, -0.5))));
		body.put("model", request.path("model").asString());
		body.put("usage", Map.of("prompt_tokens", this.usage.input(), "total_tokens", this.usage.input()));
		return json.writeValueAsString(body);
	}

	private String text() {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < this.pieces; i++) {
			text.append("word").append(i).append(' ');
		}
		return text.toString();
	}

	private Map<String, Object> usage() {
		Usage u = this.usage;
		Map<String, Object> usage = new LinkedHashMap<>();
		usage.put("prompt_tokens", u.input());
		usage.put("completion_tokens", u.output());
		usage.put("total_tokens", u.input() + u.output());
		usage.put("prompt_tokens_details", Map.of("cached_tokens", u.cached(), "audio_tokens", 0));
		usage.put("completion_tokens_details", Map.of("reasoning_tokens", u.reasoning(), "audio_tokens", 0,
				"accepted_prediction_tokens", 0, "rejected_prediction_tokens", 0));
		return usage;
	}

	/**
	 * A Responses API response object: one message with the text, and its usage (when
	 * completed).
	 */
	private Map<String, Object> response(JsonNode request, String status) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("id", "resp_fake");
		body.put("object", "response");
		body.put("created_at", 1_700_000_000);
		body.put("status", status);
		body.put("model", request.path("model").asString());
		body.put("error", null);
		body.put("incomplete_details", null);
		body.put("instructions", null);
		body.put("max_output_tokens", request.path("max_output_tokens").asLong());
		body.put("metadata", Map.of());
		body.put("parallel_tool_calls", true);
		body.put("temperature", 1.0);
		body.put("tool_choice", "auto");
		body.put("tools", List.of());
		body.put("top_p", 1.0);
		if (status.equals("in_progress")) {
			body.put("output", List.of());
			body.put("usage", null);
			return body;
		}
		Map<String, Object> part = new LinkedHashMap<>();
		part.put("type", "output_text");
		part.put("text", text());
		part.put("annotations", List.of());
		Map<String, Object> message = new LinkedHashMap<>();
		message.put("type", "message");
		message.put("id", "msg_fake");
		message.put("status", "completed");
		message.put("role", "assistant");
		message.put("content", List.of(part));
		body.put("output", List.of(message));
		Usage u = this.usage;
		Map<String, Object> usage = new LinkedHashMap<>();
		usage.put("input_tokens", u.input());
		usage.put("input_tokens_details", Map.of("cached_tokens", u.cached()));
		usage.put("output_tokens", u.output());
		usage.put("output_tokens_details", Map.of("reasoning_tokens", u.reasoning()));
		usage.put("total_tokens", u.input() + u.output());
		body.put("usage", usage);
		return body;
	}

	/**
	 * A Responses API stream: created, the text in deltas, then completed with the usage.
	 */
	private List<String> responseEvents(JsonNode request) {
		List<String> events = new ArrayList<>();
		int sequence = 0;
		events.add(event("response.created", Map.of("type", "response.created", "sequence_number", sequence++,
				"response", response(request, "in_progress"))));
		for (int i = 0; i < this.pieces; i++) {
			Map<String, Object> delta = new LinkedHashMap<>();
			delta.put("type", "response.output_text.delta");
			delta.put("sequence_number", sequence++);
			delta.put("item_id", "msg_fake");
			delta.put("output_index", 0);
			delta.put("content_index", 0);
			delta.put("delta", "word" + i + " ");
			delta.put("logprobs", List.of());
			events.add(event("response.output_text.delta", delta));
		}
		events.add(event("response.completed", Map.of("type", "response.completed", "sequence_number", sequence,
				"response", response(request, "completed"))));
		return events;
	}

	private static String event(String name, Map<String, Object> data) {
		return "event: " + name + "\ndata: " + json.writeValueAsString(data) + "\n\n";
	}

	@Override
	List<String> events(String path, JsonNode request) {
		if (path.endsWith("/responses")) {
			return responseEvents(request);
		}
		String model = request.path("model").asString();
		boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
		List<String> events = new ArrayList<>();
		events.add(chunk(model, Map.of("role", "assistant", "content", ""), null, includeUsage));
		for (int i = 0; i < this.pieces; i++) {
			events.add(chunk(model, Map.of("content", "word" + i + " "), null, includeUsage));
		}
		events.add(chunk(model, Map.of(), "stop", includeUsage));
		if (includeUsage) {
			Map<String, Object> last = base(model);
			last.put("choices", List.of());
			last.put("usage", usage());
			events.add("data: " + json.writeValueAsString(last) + "\n\n");
		}
		events.add("data: [DONE]\n\n");
		return events;
	}

	private static Map<String, Object> base(String model) {
		Map<String, Object> chunk = new LinkedHashMap<>();
		chunk.put("id", "chatcmpl-fake");
		chunk.put("object", "chat.completion.chunk");
		chunk.put("created", 1_700_000_000);
		chunk.put("model", model);
		return chunk;
	}

	private static String chunk(String model, Map<String, Object> delta, String finish, boolean includeUsage) {
		Map<String, Object> chunk = base(model);
		Map<String, Object> choice = new LinkedHashMap<>();
		choice.put("index", 0);
		choice.put("delta", delta);
		choice.put("finish_reason", finish);
		chunk.put("choices", List.of(choice));
		if (includeUsage) {
			chunk.put("usage", null);
		}
		return "data: " + json.writeValueAsString(chunk) + "\n\n";
	}

	@Override
	String error(String type, String message) {
		return json.writeValueAsString(Map.of("error", Map.of("message", message, "type", type, "code", type)));
	}

}
