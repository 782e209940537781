package dev.budgetledger.config;

import java.beans.PropertyEditorSupport;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Ids in paths and query parameters are UUIDs in their canonical 36-character form,
 * nothing around them. Spring trims the text before parsing it (both its converter and,
 * when a converter refuses, its fallback editor), and Java's trim drops every character
 * up to U+0020: {@code <uuid>%00} in a query, or a trailing tab or unit separator in a
 * path, named that same budget. A custom editor comes before both, so such an id is a 400
 * like any other.
 */
@ControllerAdvice
class StrictIds {

	private static final Pattern CANONICAL = Pattern
		.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

	@InitBinder
	void strictUuids(WebDataBinder binder) {
		binder.registerCustomEditor(UUID.class, new StrictUuidEditor());
	}

	static UUID parse(String text) {
		if (!CANONICAL.matcher(text).matches()) {
			throw new IllegalArgumentException("not a UUID");
		}
		return UUID.fromString(text);
	}

	private static final class StrictUuidEditor extends PropertyEditorSupport {

		@Override
		public void setAsText(String text) {
			setValue(parse(text));
		}

		@Override
		public String getAsText() {
			return (getValue() != null) ? getValue().toString() : "";
		}

	}

}
