package dev.budgetledger.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.Response;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import org.jspecify.annotations.Nullable;

/**
 * openapi.yaml as the judge of every exchange the tests make with the service:
 * {@link Api} hands each request and response here, and a mismatch fails the test.
 * <p>
 * The validator is Atlassian's swagger-request-validator: it matches the operation, then
 * checks path, query and header parameters, security, content types, request bodies,
 * documented status codes, response headers and bodies. Its 3.x line validates OpenAPI
 * 3.1 with a JSON Schema 2020-12 validator but needs Java 21, and this project builds on
 * 17. The 2.x line runs on 17 and parses 3.1 documents, but then drops every schema's
 * {@code type} (it reads swagger-parser's 3.0 {@code type}, which 3.1 parsing leaves
 * empty), so a string where the spec says integer would pass: {@code ApiContractTests}
 * shows it. Its 3.0 mode is mature, so the spec is handed to it in 3.0 form by
 * {@link OpenApi31To30}, a mechanical rewrite of the few 3.1 spellings this spec uses
 * ({@code type: [X, 'null']} becomes {@code type: X, nullable: true}); the rewrite
 * refuses anything it cannot express in 3.0, and {@code ApiContractTests} fails if the
 * spec starts using a 3.1-only schema keyword.
 * <p>
 * Exchanges that are off the contract on purpose say so at the call site:
 * <ul>
 * <li>{@link Check#RESPONSE_ONLY}: a test sends input the spec forbids (the bad-input
 * catalogue); only the answer is checked, against the responses the spec documents for
 * that operation. A route the spec does not have at all (an unknown path, an unsupported
 * method) must still answer application/problem+json matching the {@code Problem}
 * schema.</li>
 * <li>A request without an API key ({@link Api#anonymous()}) is checked except for the
 * security requirement it leaves out on purpose.</li>
 * <li>Paths outside {@code /v1/} (actuator, Swagger UI, the spec itself) are operations
 * endpoints, not part of the API contract, and are not checked here.</li>
 * </ul>
 */
public final class ApiContract {

	/** How much of an exchange to hold against the spec. */
	public enum Check {

		/** Request and response: the normal case. */
		EXCHANGE,

		/**
		 * The request breaks the contract on purpose; the response must still keep it.
		 */
		RESPONSE_ONLY

	}

	private static final String SPEC = OpenApi31To30.downgrade(read(Path.of("openapi.yaml")));

	private static final OpenApiInteractionValidator validator = load(LevelResolver.defaultResolver());

	private static final OpenApiInteractionValidator anonymousValidator = load(LevelResolver.create()
		.withLevel("validation.request.security.missing", ValidationReport.Level.IGNORE)
		.build());

	private static final OpenAPI model = new OpenAPIV3Parser().readContents(SPEC).getOpenAPI();

	private static final SchemaValidator schemas = new SchemaValidator(model, new MessageResolver());

	private ApiContract() {
	}

	private static OpenApiInteractionValidator load(LevelResolver levels) {
		try {
			return OpenApiInteractionValidator.createForInlineApiSpecification(SPEC).withLevelResolver(levels).build();
		}
		catch (OpenApiInteractionValidator.ApiLoadException ex) {
			throw new IllegalStateException("openapi.yaml does not load: " + ex.getParseMessages(), ex);
		}
	}

	private static String read(Path path) {
		try {
			return Files.readString(path);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Fails with every mismatch if the exchange does not keep the contract.
	 * @param authenticated whether the request carried an API key on purpose; without
	 * one, the spec's security requirement is the only part of the request not checked
	 */
	public static void verify(Check check, boolean authenticated, String method, URI uri,
			Map<String, List<String>> requestHeaders, @Nullable String requestBody, int status,
			Map<String, List<String>> responseHeaders, @Nullable String responseBody) {
		if (!uri.getRawPath().startsWith("/v1/")) {
			return;
		}
		Request request = request(method, uri, requestHeaders, requestBody);
		Response response = response(status, responseHeaders, responseBody);
		ValidationReport report = switch (check) {
			case EXCHANGE -> (authenticated ? validator : anonymousValidator).validate(request, response);
			case RESPONSE_ONLY -> validateResponseOnly(request, response, responseHeaders, responseBody);
		};
		if (report.hasErrors()) {
			throw new AssertionError("The exchange does not match openapi.yaml:\n  " + method + " " + uri
					+ ((check == Check.EXCHANGE) ? " " + requestBody : " (request not checked)") + "\n  -> " + status
					+ " " + responseBody + "\n" + describe(report));
		}
	}

	/**
	 * Checks a response alone, as {@link #verify} does, for the tests that show drift is
	 * caught.
	 */
	public static ValidationReport validateResponse(String method, String path, int status, String contentType,
			String body) {
		return validator.validateResponse(path, Request.Method.valueOf(method),
				response(status, Map.of("Content-Type", List.of(contentType)), body));
	}

	/**
	 * Checks a request alone, for the tests that show the validator reads the spec as it
	 * is meant.
	 */
	public static ValidationReport validateRequest(String method, String path, String body) {
		return validator.validateRequest(request(method, URI.create("http://localhost" + path),
				Map.of("Content-Type", List.of("application/json"), "Authorization", List.of("Bearer bl_live_x")),
				body));
	}

	private static ValidationReport validateResponseOnly(Request request, Response response,
			Map<String, List<String>> responseHeaders, @Nullable String responseBody) {
		ValidationReport report = validator.validateResponse(request.getPath(), request.getMethod(), response);
		boolean noSuchOperation = report.getMessages()
			.stream()
			.anyMatch(message -> message.getKey().equals("validation.request.path.missing")
					|| message.getKey().equals("validation.request.operation.notAllowed"));
		if (!noSuchOperation) {
			return report;
		}
		// No operation to hold the answer against: it must still be a documented problem.
		String contentType = first(responseHeaders, "content-type");
		if (contentType == null || !contentType.startsWith("application/problem+json")) {
			return ValidationReport.singleton(
					ValidationReport.Message
						.create("contract.problem.contentType",
								"An unknown route must answer application/problem+json, not " + contentType)
						.build());
		}
		Schema<?> problem = model.getComponents().getSchemas().get("Problem");
		return schemas.validate(String.valueOf(responseBody), problem, "response.body");
	}

	private static Request request(String method, URI uri, Map<String, List<String>> headers, @Nullable String body) {
		SimpleRequest.Builder request = new SimpleRequest.Builder(method.toUpperCase(Locale.ROOT), uri.getRawPath());
		query(uri.getRawQuery()).forEach(request::withQueryParam);
		headers.forEach(request::withHeader);
		if (body != null && !body.isEmpty()) {
			request.withBody(body);
		}
		return request.build();
	}

	private static Response response(int status, Map<String, List<String>> headers, @Nullable String body) {
		SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
		headers.forEach(response::withHeader);
		if (body != null && !body.isEmpty()) {
			response.withBody(body);
		}
		return response.build();
	}

	private static Map<String, List<String>> query(@Nullable String rawQuery) {
		Map<String, List<String>> parameters = new LinkedHashMap<>();
		if (rawQuery == null || rawQuery.isEmpty()) {
			return parameters;
		}
		for (String pair : rawQuery.split("&")) {
			int equals = pair.indexOf('=');
			String name = decode((equals < 0) ? pair : pair.substring(0, equals));
			String value = (equals < 0) ? "" : decode(pair.substring(equals + 1));
			parameters.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
		}
		return parameters;
	}

	private static String decode(String text) {
		return URLDecoder.decode(text, StandardCharsets.UTF_8);
	}

	private static @Nullable String first(Map<String, List<String>> headers, String name) {
		return headers.entrySet()
			.stream()
			.filter(entry -> entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty())
			.map(entry -> entry.getValue().get(0))
			.findFirst()
			.orElse(null);
	}

	/** The errors of a report, one a line. */
	public static String describe(ValidationReport report) {
		return report.getMessages()
			.stream()
			.filter(message -> message.getLevel() == ValidationReport.Level.ERROR)
			.map(message -> "  [" + message.getKey() + "] " + message.getMessage()
					+ message.getNestedMessages()
						.stream()
						.map(nested -> "\n      " + nested.getMessage())
						.collect(Collectors.joining()))
			.collect(Collectors.joining("\n"));
	}

}
