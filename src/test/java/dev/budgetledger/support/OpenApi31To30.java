package dev.budgetledger.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Rewrites openapi.yaml (OpenAPI 3.1) into the 3.0 form the contract validator checks
 * reliably (see {@link ApiContract}). Only spellings with an exact 3.0 equivalent are
 * rewritten; anything else fails loudly rather than being checked less strictly than the
 * spec says:
 * <ul>
 * <li>{@code type: [X, 'null']} becomes {@code type: X, nullable: true}; a type array of
 * two real types fails;</li>
 * <li>{@code {type: 'null'}} (a branch of a oneOf) stays: the validator's draft-4 JSON
 * Schema knows the null type;</li>
 * <li>a schema's {@code examples: [a, ...]} becomes {@code example: a} (documentation
 * only);</li>
 * <li>the document's {@code security} is copied onto every operation that has none (what
 * 3.0 and 3.1 both mean, spelled so that the validator, which reads only an operation's
 * own, checks it);</li>
 * <li>an {@code allOf} of plain object schemas becomes the one object schema it means
 * (see {@link #mergeAllOf});</li>
 * <li>{@code info.summary} and {@code info.license.identifier} are dropped (documentation
 * only).</li>
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
		@SuppressWarnings("unchecked")
		Map<String, Object> rewritten = (Map<String, Object>) rewrite(document, "");
		mergeAllOf(rewritten, schemas(rewritten));
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		return new Yaml(options).dump(rewritten);
	}

	/**
	 * The validator checks only an operation's own security, so each operation gets the
	 * document's explicitly.
	 */
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
	private static Map<String, Object> schemas(Map<String, Object> document) {
		Map<String, Object> components = (Map<String, Object>) document.getOrDefault("components", Map.of());
		return (Map<String, Object>) components.getOrDefault("schemas", Map.of());
	}

	/**
	 * Replaces every {@code allOf} of plain object schemas by the one object schema it
	 * means. The validator forbids properties a schema does not list (unless it says
	 * {@code additionalProperties: true}), which is what catches a response field the
	 * spec does not document; applied to each part of an {@code allOf} separately, that
	 * check would reject every instance. Parts with anything but type, properties,
	 * required, description and additionalProperties are left alone.
	 */
	@SuppressWarnings("unchecked")
	private static void mergeAllOf(Object node, Map<String, Object> schemas) {
		if (node instanceof Map<?, ?> map) {
			Map<String, Object> schema = (Map<String, Object>) map;
			schema.values().forEach(value -> mergeAllOf(value, schemas));
			if (schema.get("allOf") instanceof List<?> parts) {
				List<Map<String, Object>> resolved = new ArrayList<>();
				for (Object part : parts) {
					Map<String, Object> plain = resolve((Map<String, Object>) part, schemas);
					if (plain == null) {
						return;
					}
					resolved.add(plain);
				}
				Map<String, Object> properties = new LinkedHashMap<>();
				List<Object> required = new ArrayList<>();
				Object additional = null;
				for (Map<String, Object> part : resolved) {
					((Map<String, Object>) part.getOrDefault("properties", Map.of()))
						.forEach((name, property) -> properties.merge(name, property,
								(first, second) -> narrower(name, first, second, schemas)));
					((List<Object>) part.getOrDefault("required", List.of())).stream()
						.filter(name -> !required.contains(name))
						.forEach(required::add);
					Object own = part.get("additionalProperties");
					if (Boolean.FALSE.equals(own) || (own != null && additional == null)) {
						additional = own;
					}
				}
				schema.remove("allOf");
				schema.put("type", "object");
				schema.put("properties", properties);
				if (!required.isEmpty()) {
					schema.put("required", required);
				}
				if (additional != null) {
					schema.put("additionalProperties", additional);
				}
			}
		}
		else if (node instanceof List<?> list) {
			list.forEach(value -> mergeAllOf(value, schemas));
		}
	}

	/**
	 * One property that two parts of an allOf both define: an enum narrowed by a later
	 * part (DenyProblem's {@code code} is RESERVATION_DENIED of all ProblemCodes) becomes
	 * the intersection; anything else fails.
	 */
	@SuppressWarnings("unchecked")
	private static Object narrower(String name, Object first, Object second, Map<String, Object> schemas) {
		Map<String, Object> a = follow((Map<String, Object>) first, schemas);
		Map<String, Object> b = follow((Map<String, Object>) second, schemas);
		if (a.get("enum") instanceof List<?> wide && b.get("enum") instanceof List<?> narrow
				&& Objects.equals(a.get("type"), b.get("type"))) {
			Map<String, Object> merged = new LinkedHashMap<>(b);
			merged.put("enum", narrow.stream().filter(wide::contains).toList());
			return merged;
		}
		throw new IllegalStateException("allOf defines property '" + name + "' twice in ways the rewrite cannot merge");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> follow(Map<String, Object> schema, Map<String, Object> schemas) {
		if (schema.get("$ref") instanceof String ref && ref.startsWith("#/components/schemas/")) {
			return (Map<String, Object>) schemas.get(ref.substring("#/components/schemas/".length()));
		}
		return schema;
	}

	/**
	 * The plain object schema a part stands for, following a local $ref; null if it is
	 * anything else.
	 */
	@SuppressWarnings("unchecked")
	private static @Nullable Map<String, Object> resolve(Map<String, Object> part, Map<String, Object> schemas) {
		Map<String, Object> schema = part;
		if (part.get("$ref") instanceof String ref && ref.startsWith("#/components/schemas/")) {
			schema = (Map<String, Object>) schemas.get(ref.substring("#/components/schemas/".length()));
			if (schema == null) {
				return null;
			}
			mergeAllOf(schema, schemas);
		}
		boolean plain = "object".equals(schema.get("type"))
				&& List.of("type", "properties", "required", "description", "additionalProperties")
					.containsAll(schema.keySet());
		return plain ? schema : null;
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
