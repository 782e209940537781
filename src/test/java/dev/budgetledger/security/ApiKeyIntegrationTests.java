package dev.budgetledger.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeyIntegrationTests extends IntegrationTest {

	/**
	 * Loggers raised to TRACE while a secret is in play: ours, and all of Spring's web,
	 * security and JDBC.
	 */
	private static final List<String> CHATTY_LOGGERS = List.of("dev.budgetledger", "org.springframework.security",
			"org.springframework.web", "org.springframework.jdbc", "org.springframework.transaction");

	@Test
	void aNewKeyIsShownOnceWithItsSecretAndWorksAtOnce() {
		UUID budget = createBudget("5.00");

		Api.Response created = createKey(Map.of("name", "support agent", "role", "CLIENT", "budgetId", budget));

		String secret = created.text("secret");
		assertThat(secret).startsWith("bl_live_").hasSize("bl_live_".length() + 43);
		assertThat(created.header("Location")).hasValue("/v1/api-keys/" + created.text("id"));
		assertThat(created.text("prefix")).isEqualTo(secret.substring(0, "bl_live_".length() + 6));
		assertThat(created.text("role")).isEqualTo("CLIENT");
		assertThat(created.text("budgetId")).isEqualTo(budget.toString());
		assertThat(created.text("status")).isEqualTo("ACTIVE");
		assertThat(created.header("Cache-Control")).hasValueSatisfying(value -> assertThat(value).contains("no-store"));
		assertThat(this.api.as(secret).get("/v1/budgets/" + budget).status()).isEqualTo(200);
	}

	@Test
	void keysAreListedAndReadWithoutTheirSecret() {
		String secret = createKey(Map.of("name", "listed", "role", "ADMIN")).text("secret");
		String id = keyIdOf(secret);

		Api.Response one = this.api.get("/v1/api-keys/" + id);
		List<JsonNode> all = new ArrayList<>();
		String cursor = null;
		do {
			Api.Response page = this.api.get("/v1/api-keys?limit=200" + ((cursor != null) ? "&cursor=" + cursor : ""));
			page.json().get("items").forEach(all::add);
			JsonNode next = page.json().get("nextCursor");
			cursor = (next == null || next.isNull()) ? null : next.asString();
		}
		while (cursor != null);

		assertThat(one.status()).isEqualTo(200);
		assertThat(one.text("name")).isEqualTo("listed");
		assertThat(one.json().has("secret")).isFalse();
		assertThat(one.body()).doesNotContain(secret);
		assertThat(all).anySatisfy(key -> assertThat(key.get("id").asString()).isEqualTo(id));
		assertThat(all).allSatisfy(key -> assertThat(key.has("secret")).isFalse());
		assertThat(all.toString()).doesNotContain(secret);
	}

	@Test
	void aRevokedKeyIsRefusedOnItsVeryNextRequest() {
		String secret = createKey(Map.of("name", "soon revoked", "role", "ADMIN")).text("secret");
		Api.Response before = this.api.as(secret).get("/v1/budgets?limit=1");

		Api.Response revoke = this.api.delete("/v1/api-keys/" + keyIdOf(secret));
		Api.Response after = this.api.as(secret).get("/v1/budgets?limit=1");

		assertThat(before.status()).isEqualTo(200);
		assertThat(revoke.status()).isEqualTo(204);
		assertThat(after.status()).isEqualTo(401);
		assertThat(after.text("code")).isEqualTo("UNAUTHENTICATED");
		assertThat(after.header("WWW-Authenticate"))
			.hasValue("Bearer realm=\"budget-ledger\", error=\"invalid_token\", "
					+ "error_description=\"The API key is unknown, revoked or expired\"");
		assertThat(this.api.get("/v1/api-keys/" + keyIdOf(secret)).text("status")).isEqualTo("REVOKED");
		assertThat(this.api.delete("/v1/api-keys/" + keyIdOf(secret)).status()).as("revoking again").isEqualTo(204);
	}

	@Test
	void aKeyStopsWorkingWhenItExpires() {
		String secret = createKey(Map.of("name", "short-lived", "role", "CLIENT", "expiresAt",
				this.clock.instant().plusSeconds(60).toString()))
			.text("secret");
		assertThat(this.api.as(secret).get("/v1/prices").status()).isEqualTo(200);

		this.clock.advance(Duration.ofSeconds(61));

		assertThat(this.api.as(secret).get("/v1/prices").status()).isEqualTo(401);
		assertThat(this.api.get("/v1/api-keys/" + keyIdOf(secret)).text("status")).isEqualTo("EXPIRED");
	}

	@Test
	void unknownMalformedAndMisplacedKeysAreAllUnauthenticated() {
		// Keys in the wrong header, scheme or query parameter break the contract on
		// purpose; the answers must not.
		Api anonymous = this.api.anonymous().offContract();
		List<Api.Response> refused = List.of(this.api.as(ApiKeySecrets.generate()).get("/v1/prices"),
				this.api.as("not-a-key").get("/v1/prices"), this.api.as(ADMIN_KEY + "x").get("/v1/prices"),
				this.api.as(ADMIN_KEY.substring(0, ADMIN_KEY.length() - 1)).get("/v1/prices"),
				anonymous.send("GET", "/v1/prices", null, "", "Authorization", "Bearer "),
				anonymous.send("GET", "/v1/prices", null, "", "Authorization", "Basic " + ADMIN_KEY),
				anonymous.send("GET", "/v1/prices", null, "", "X-Api-Key", ADMIN_KEY),
				anonymous.get("/v1/prices?api_key=" + ADMIN_KEY));

		assertThat(refused).allSatisfy(response -> {
			assertThat(response.status()).as(response.toString()).isEqualTo(401);
			assertThat(response.contentType()).startsWith("application/problem+json");
			assertThat(response.text("code")).isEqualTo("UNAUTHENTICATED");
			assertThat(response.header("WWW-Authenticate")).isPresent();
		});
		assertThat(anonymous.send("GET", "/v1/prices", null, "", "Authorization", "bearer " + ADMIN_KEY).status())
			.as("the scheme is case-insensitive (RFC 7235)")
			.isEqualTo(200);
	}

	@Test
	void healthIsOpenEvenToABadKeyAndShowsNoDetails() {
		Api.Response health = this.api.as("bl_live_garbage").get("/actuator/health");

		assertThat(health.status()).isEqualTo(200);
		assertThat(health.json().get("components").get("db").has("details")).isFalse();
		assertThat(health.body()).doesNotContain("PostgreSQL", "validationQuery", "path");
	}

	@Test
	void aClientCannotLiftItsOwnLimitNorMintItselfABetterKey() {
		UUID budget = createBudget("1.00");
		Api agent = this.api.as(clientKey(budget));

		List<Api.Response> attempts = List.of(agent.patch("/v1/budgets/" + budget, Map.of("limit", "1000000")),
				agent.post("/v1/api-keys", Map.of("name", "me", "role", "ADMIN")),
				agent.put("/v1/prices/gpt-4o",
						Map.of("inputPerMillion", "0", "outputPerMillion", "0", "currency", "USD")),
				agent.post("/v1/budgets", Map.of("name", "mine", "limit", "1000000")),
				agent.delete("/v1/api-keys/" + adminKeyId()));

		assertThat(attempts).allSatisfy(response -> {
			assertThat(response.status()).as(response.toString()).isEqualTo(403);
			assertThat(response.text("code")).isEqualTo("FORBIDDEN");
		});
		assertThat(budget(budget).text("limit")).isEqualTo("1.00");
		assertThat(this.api.get("/v1/prices/gpt-4o").text("inputPerMillion")).isEqualTo("2.50");
		assertThat(this.api.get("/v1/api-keys/" + adminKeyId()).text("status")).isEqualTo("ACTIVE");
		assertThat(agent.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.01")).status())
			.as("and the limit still holds")
			.isEqualTo(402);
	}

	@Test
	void aBoundKeyListsOnlyTheBudgetsInItsScope() {
		UUID mine = createBudget("1");
		createBudget("1");

		Api.Response page = this.api.as(clientKey(mine)).get("/v1/budgets?limit=200");

		List<String> ids = new ArrayList<>();
		page.json().get("items").forEach(item -> ids.add(item.get("id").asString()));
		assertThat(ids).containsExactly(mine.toString());
		assertThat(page.json().get("nextCursor").isNull()).isTrue();
	}

	@Test
	void anUnboundClientKeyActsOnEveryBudget() {
		UUID one = createBudget("1");
		UUID other = createBudget("1");
		Api agent = this.api.as(clientKey(null));

		assertThat(agent.post("/v1/reservations", Map.of("budgetId", one, "amount", "0.5")).status()).isEqualTo(201);
		assertThat(agent.post("/v1/reservations", Map.of("budgetId", other, "amount", "0.5")).status()).isEqualTo(201);
	}

	@Test
	void keysAreCreatedOnlyWithSensibleBindingsAndExpiries() {
		UUID budget = createBudget("1");

		Api.Response boundAdmin = this.api.post("/v1/api-keys",
				Map.of("name", "x", "role", "ADMIN", "budgetId", budget));
		Api.Response missingBudget = this.api.post("/v1/api-keys",
				Map.of("name", "x", "role", "CLIENT", "budgetId", UUID.randomUUID()));
		Api.Response past = this.api.post("/v1/api-keys",
				Map.of("name", "x", "role", "CLIENT", "expiresAt", this.clock.instant().minusSeconds(1).toString()));
		// These three break the contract on purpose; their answers are still checked.
		Api.Response badRole = this.api.offContract().post("/v1/api-keys", Map.of("name", "x", "role", "ROOT"));
		Api.Response unknownField = this.api.offContract()
			.post("/v1/api-keys", Map.of("name", "x", "role", "CLIENT", "secret", "mine"));
		Api.Response noName = this.api.offContract().post("/v1/api-keys", Map.of("role", "CLIENT"));

		assertThat(boundAdmin.status()).isEqualTo(400);
		assertThat(boundAdmin.text("code")).isEqualTo("VALIDATION_FAILED");
		assertThat(missingBudget.status()).isEqualTo(404);
		assertThat(missingBudget.text("code")).isEqualTo("BUDGET_NOT_FOUND");
		assertThat(past.status()).isEqualTo(400);
		assertThat(badRole.status()).isEqualTo(400);
		assertThat(unknownField.status()).isEqualTo(400);
		assertThat(unknownField.text("detail")).contains("secret");
		assertThat(noName.status()).isEqualTo(400);
	}

	@Test
	void anUnknownKeyIdIsNotFound() {
		UUID missing = UUID.randomUUID();

		Api.Response get = this.api.get("/v1/api-keys/" + missing);
		Api.Response revoke = this.api.delete("/v1/api-keys/" + missing);

		assertThat(get.status()).isEqualTo(404);
		assertThat(get.text("code")).isEqualTo("API_KEY_NOT_FOUND");
		assertThat(revoke.status()).isEqualTo(404);
	}

	/**
	 * The secret is in the one answer to the create and nowhere else: not in later
	 * answers, not in the audit log, not in the database, and not in the log, even with
	 * Spring's web, security and JDBC logging at TRACE.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void aSecretNeverAppearsInResponsesLogsOrTheDatabase(CapturedOutput output) {
		LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
		CHATTY_LOGGERS.forEach(logger -> logging.setLogLevel(logger, LogLevel.TRACE));
		List<Api.Response> later = new ArrayList<>();
		String secret;
		try {
			UUID budget = createBudget("5.00");
			UUID other = createBudget("5.00");
			Api.Response created = this.api.post("/v1/api-keys",
					Map.of("name", "leak test", "role", "CLIENT", "budgetId", budget));
			secret = created.text("secret");
			String id = created.text("id");
			Api agent = this.api.as(secret);
			later.add(agent.get("/v1/budgets/" + budget));
			later.add(agent.get("/v1/budgets/" + other));
			later.add(agent.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1"), "Idempotency-Key",
					"leak-test-" + UUID.randomUUID()));
			later.add(agent.post("/v1/reservations", Map.of("budgetId", budget, "amount", "100")));
			later.add(agent.get("/v1/audit"));
			later.add(this.api.get("/v1/api-keys/" + id));
			later.add(this.api.get("/v1/api-keys?limit=200"));
			later.add(this.api.delete("/v1/api-keys/" + id));
			later.add(agent.get("/v1/prices"));
			later.add(this.api.get("/v1/audit?targetId=" + id));
			later.add(this.api.as(secret + "x").get("/v1/prices"));
		}
		finally {
			CHATTY_LOGGERS.forEach(logger -> logging.setLogLevel(logger, null));
		}
		// The part of the key that is never shown, so a match cannot come from the
		// displayed prefix.
		String hidden = secret.substring("bl_live_".length() + 6);

		assertThat(output.getOut()).as("TRACE logging ran").contains("Secured GET /v1/budgets/");
		assertThat(output.getAll()).doesNotContain(hidden);
		assertThat(later).extracting(Api.Response::status)
			.containsExactly(200, 404, 201, 402, 403, 200, 200, 204, 401, 200, 401);
		assertThat(later).allSatisfy(response -> assertThat(response.body()).doesNotContain(hidden));
		assertThat(later.get(9).json().get("items")).hasSize(2);
		for (String table : List.of("api_keys", "audit_log", "idempotency_keys", "budgets", "reservations",
				"journal_entries")) {
			long leaks = this.jdbc.sql("SELECT count(*) FROM " + table + " t WHERE t::text LIKE :pattern")
				.param("pattern", "%" + hidden + "%")
				.query(Long.class)
				.single();
			assertThat(leaks).as(table).isZero();
		}
		byte[] stored = this.jdbc.sql("SELECT secret_hash FROM api_keys WHERE prefix = :prefix")
			.param("prefix", secret.substring(0, "bl_live_".length() + 6))
			.query(byte[].class)
			.single();
		assertThat(HexFormat.of().formatHex(stored)).isEqualTo(HexFormat.of().formatHex(ApiKeySecrets.hash(secret)));
	}

}
