package dev.budgetledger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * openapi.yaml is the contract: it must name exactly the endpoints and error codes the
 * service serves.
 */
class OpenApiContractTests extends IntegrationTest {

	private static final Set<String> METHODS = Set.of("get", "put", "post", "patch", "delete");

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	RequestMappingHandlerMapping mappings;

	@SuppressWarnings("unchecked")
	private static Map<String, Object> spec() throws IOException {
		try (InputStream in = Files.newInputStream(Path.of("openapi.yaml"))) {
			return new Yaml().load(in);
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void everyServedEndpointIsDocumentedAndEveryDocumentedOneIsServed() throws IOException {
		Set<String> documented = new TreeSet<>();
		((Map<String, Map<String, Object>>) spec().get("paths")).forEach((path, item) -> item.keySet()
			.stream()
			.filter(METHODS::contains)
			.forEach(method -> documented.add(method.toUpperCase() + " " + path)));

		Set<String> served = new TreeSet<>();
		this.mappings.getHandlerMethods()
			.keySet()
			.forEach(info -> info.getPatternValues()
				.stream()
				.filter(pattern -> pattern.startsWith("/v1/") || pattern.startsWith("/openai/")
						|| pattern.startsWith("/anthropic/"))
				.forEach(pattern -> info.getMethodsCondition()
					.getMethods()
					.forEach(method -> served.add(method.name() + " " + pattern))));

		assertThat(served).isNotEmpty();
		assertThat(documented).isEqualTo(served);
	}

	@Test
	@SuppressWarnings("unchecked")
	void theDocumentedProblemCodesAreExactlyTheOnesTheServiceUses() throws IOException {
		Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) spec().get("components"))
			.get("schemas");
		List<String> documented = (List<String>) ((Map<String, Object>) schemas.get("ProblemCode")).get("enum");

		assertThat(documented)
			.containsExactlyInAnyOrderElementsOf(Arrays.stream(ProblemType.values()).map(ProblemType::code).toList());
	}

	@Test
	@SuppressWarnings("unchecked")
	void theDocumentedAuditActionsAreExactlyTheOnesTheServiceRecords() throws IOException {
		Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) spec().get("components"))
			.get("schemas");
		Map<String, Map<String, Object>> entry = (Map<String, Map<String, Object>>) ((Map<String, Object>) schemas
			.get("AuditEntry")).get("properties");

		assertThat((List<String>) entry.get("action").get("enum"))
			.containsExactlyInAnyOrderElementsOf(Arrays.stream(AuditAction.values()).map(AuditAction::name).toList());
		assertThat((List<String>) entry.get("targetType").get("enum")).containsExactlyInAnyOrderElementsOf(
				Arrays.stream(AuditAction.TargetType.values()).map(AuditAction.TargetType::name).toList());
	}

	@Test
	@SuppressWarnings("unchecked")
	void everyOperationDocumentsItsResponses() throws IOException {
		((Map<String, Map<String, Object>>) spec().get("paths")).forEach((path, item) -> item.forEach((method, op) -> {
			if (METHODS.contains(method)) {
				Map<String, Object> responses = (Map<String, Object>) ((Map<String, Object>) op).get("responses");
				assertThat(responses).as(method + " " + path).isNotEmpty();
				if (path.contains("{")) {
					assertThat(responses).as(method + " " + path + " has a path parameter").containsKey("400");
				}
				if (path.contains("{") && !method.equals("put")) {
					assertThat(responses).as(method + " " + path + " names something that may not exist")
						.containsKey("404");
				}
				assertThat(responses).as(method + " " + path + " is behind an API key with a role and a rate limit")
					.containsKeys("401", "403", "429");
				assertThat(responses).as(method + " " + path + " may fail unexpectedly or lose its database")
					.containsKeys("500", "503");
			}
		}));
	}

	@Test
	@SuppressWarnings("unchecked")
	void everyOperationNeedsTheBearerApiKey() throws IOException {
		Map<String, Object> spec = spec();
		Map<String, Object> schemes = (Map<String, Object>) ((Map<String, Object>) spec.get("components"))
			.get("securitySchemes");

		assertThat(spec.get("security")).isEqualTo(List.of(Map.of("apiKey", List.of())));
		assertThat((Map<String, Object>) schemes.get("apiKey")).containsEntry("type", "http")
			.containsEntry("scheme", "bearer");
		((Map<String, Map<String, Object>>) spec.get("paths")).forEach((path, item) -> item.forEach((method, op) -> {
			if (METHODS.contains(method)) {
				assertThat((Map<String, Object>) op).as(method + " " + path + " must not opt out of the API key")
					.doesNotContainKey("security");
			}
		}));
	}

}
