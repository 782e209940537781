package dev.budgetledger.budget;

import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

/** Free-form JSON objects kept in {@code jsonb} columns. */
@Component
public class Metadata {

	private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
	};

	private final JsonMapper json;

	Metadata(JsonMapper json) {
		this.json = json;
	}

	public String write(@Nullable Map<String, Object> metadata) {
		return (metadata != null) ? this.json.writeValueAsString(metadata) : "{}";
	}

	public Map<String, Object> read(@Nullable String text) {
		return (text != null) ? this.json.readValue(text, MAP) : Map.of();
	}

}
