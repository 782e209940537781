package dev.budgetledger.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Rewrites openapi.yaml (OpenAPI 3.1) into the 3.0 form the contract validator checks reliably (see
 * {@link ApiContract}). Only spellings with an exact 3.0 equivalent are rewritten; anything else fails loudly
 * rather than being checked less strictly than the spec says:
 * <ul>
 * <li>{@code type: [X, 'null']} becomes {@code type: X, nullable: true}; a type array of two real types fails;</li>
 * <li>a schema's {@code examples: [a, ...]} becomes {@code example: a} (documentation only);</li>
 * <li>the document's {@code security} is copied onto every operation that has none (what 3.0 and 3.1 both mean,
 * spelled so that the validator, which reads only an operation's own, checks it);</li>
 * <li>{@code info.summary} and {@code info.license.identifier} are dropped (documentation only).</li>
 * </ul>
 */
final class OpenApi31To30 {

	private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch",
			"trace");

	private OpenApi31To30() {
	}

	static String downgrade(String spec) {
		Map<String, Object> document = new Yaml(new LoaderOptions()).load(spec);
		if (!String.valueOf(document.get("openapi")).startsWith("3.1.")) {
			throw new IllegalStateException("Expected an OpenAPI 3.1 document, got " + document.get("openapi"));
		}
		document.put("openapi", "3.0.3");
		if (document.get("info") instanceof Map<?, ?> info) {
			info.remove("summary");
			if (info.get("license") instanceof Map<?, ?> license) {
				license.remove("identifier");
			}
		}
		inheritSecurity(document);
		Object rewritten = rewrite(document, "");
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		return new Yaml(options).dump(rewritten);
	}

	/** The validator checks only an operation's own security, so each operation gets the document's explicitly. */
	@SuppressWarnings("unchecked")
	private static void inheritSecurity(Map<String, Object> document) {
		Object security = document.get("security");
		if (security == null || !(document.get("paths") instanceof Map<?, ?> paths)) {
			return;
		}
		for (Object item : paths.values()) {
			for (Map.Entry<String, Object> entry : ((Map<String, Object>) item).entrySet()) {
				if (METHODS.contains(entry.getKey()) && entry.getValue() instanceof Map<?, ?> operation) {
					((Map<String, Object>) operation).putIfAbsent("security", security);
				}
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static Object rewrite(Object node, String path) {
		if (node instanceof Map<?, ?> map) {
			Map<String, Object> copy = new LinkedHashMap<>();
			((Map<String, Object>) map).forEach((key, value) -> copy.put(key, rewrite(value, path + "/" + key)));
			if (copy.get("type") instanceof List<?> types) {
				List<Object> real = new ArrayList<>(types);
				boolean nullable = real.remove("null");
				if (real.size() != 1) {
					throw new IllegalStateException(path + ": type " + types + " has no OpenAPI 3.0 equivalent");
				}
				copy.put("type", real.get(0));
				if (nullable) {
					copy.put("nullable", true);
				}
			}
			if (copy.get("examples") instanceof List<?> examples) {
				copy.remove("examples");
				if (!examples.isEmpty()) {
					copy.put("example", examples.get(0));
				}
			}
			return copy;
		}
		if (node instanceof List<?> list) {
			List<Object> copy = new ArrayList<>();
			for (int i = 0; i < list.size(); i++) {
				copy.add(rewrite(list.get(i), path + "/" + i));
			}
			return copy;
		}
		return node;
	}

}
