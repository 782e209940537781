package dev.budgetledger.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhook API: its contract, its checks (SSRF among them) and its audit trail. */
class WebhookApiIntegrationTests extends WebhookIntegrationTest {

	private static final List<String> FROZEN = List.of("budget.frozen");

	@Test
	void createAnswersTheSecretOnceAndNothingElseEverShowsIt() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		JsonNode created = createWebhook(receiver.url(), List.of("budget.frozen", "budget.exhausted", "budget.frozen"),
				budget, "description", "ops channel");

		String secret = created.get("secret").asString();
		assertThat(secret).matches("whsec_[A-Za-z0-9+/]{43}=");
		assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
		assertThat(created.get("events")).extracting(JsonNode::asString)
			.containsExactly("budget.frozen", "budget.exhausted");
		assertThat(created.get("format").asString()).isEqualTo("standard");
		assertThat(created.get("enabled").asBoolean()).isTrue();
		assertThat(created.get("budgetId").asString()).isEqualTo(budget.toString());
		assertThat(created.get("description").asString()).isEqualTo("ops channel");
		String id = created.get("id").asString();
		Api.Response got = this.api.get("/v1/webhooks/" + id);
		assertThat(got.status()).isEqualTo(200);
		assertThat(got.json().has("secret")).isFalse();
		assertThat(got.body()).doesNotContain(secret);
		assertThat(this.api.get("/v1/webhooks?limit=200").body()).doesNotContain(secret);
		String audit = this.api.get("/v1/audit?targetId=" + id).body();
		assertThat(audit).contains("WEBHOOK_CREATE").doesNotContain(secret);
	}

	@Test
	void webhooksArePagedInCreationOrder() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			ids.add(createWebhook(receiver.url(), FROZEN, budget).get("id").asString());
		}
		List<String> seen = new ArrayList<>();
		String cursor = null;
		do {
			Api.Response page = this.api.get("/v1/webhooks?limit=2" + ((cursor != null) ? "&cursor=" + cursor : ""));
			assertThat(page.status()).isEqualTo(200);
			page.json().get("items").forEach(item -> seen.add(item.get("id").asString()));
			JsonNode next = page.json().get("nextCursor");
			cursor = (next == null || next.isNull()) ? null : next.asString();
		}
		while (cursor != null);
		assertThat(seen).containsSubsequence(ids);
	}

	@Test
	void aPatchChangesWhatItNamesRemovesWhatItNullsAndIsAudited() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		JsonNode created = createWebhook(receiver.url(), FROZEN, budget, "description", "before");
		String id = created.get("id").asString();
		this.clock.advance(Duration.ofSeconds(1));

		Map<String, Object> patch = new HashMap<>();
		patch.put("events", List.of("budget.unfrozen"));
		patch.put("format", "slack");
		patch.put("enabled", false);
		patch.put("budgetId", null);
		patch.put("description", null);
		Api.Response patched = this.api.patch("/v1/webhooks/" + id, patch);

		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
		JsonNode after = this.api.get("/v1/webhooks/" + id).json();
		assertThat(after.get("events")).extracting(JsonNode::asString).containsExactly("budget.unfrozen");
		assertThat(after.get("format").asString()).isEqualTo("slack");
		assertThat(after.get("enabled").asBoolean()).isFalse();
		assertThat(after.get("budgetId").isNull()).isTrue();
		assertThat(after.get("description").isNull()).isTrue();
		assertThat(after.get("url").asString()).isEqualTo(receiver.url());
		assertThat(Instant.parse(after.get("updatedAt").asString()))
			.isAfter(Instant.parse(after.get("createdAt").asString()));
		assertThat(this.api.get("/v1/audit?targetId=" + id).body()).contains("WEBHOOK_UPDATE");
	}

	@Test
	void aDeletedWebhookIsGoneWithItsDeliveries() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(), FROZEN, budget).get("id").asString();
		freeze(budget, "before delete");
		deliverDue();
		assertThat(deliveries(id)).hasSize(1);

		assertThat(this.api.delete("/v1/webhooks/" + id).status()).isEqualTo(204);

		Api.Response missing = this.api.get("/v1/webhooks/" + id);
		assertThat(missing.status()).isEqualTo(404);
		assertThat(missing.text("code")).isEqualTo("WEBHOOK_NOT_FOUND");
		assertThat(this.api.get("/v1/webhooks/" + id + "/deliveries").text("code")).isEqualTo("WEBHOOK_NOT_FOUND");
		assertThat(this.jdbc.sql("SELECT count(*) FROM webhook_deliveries WHERE webhook_id = :id")
			.param("id", UUID.fromString(id))
			.query(Long.class)
			.single()).isZero();
		assertThat(this.api.get("/v1/audit?targetId=" + id).body()).contains("WEBHOOK_DELETE");
	}

	@Test
	void aRotationAnswersANewSecretAndWhenTheOldOneStopsSigning() throws Exception {
		Receiver receiver = receiver();
		JsonNode created = createWebhook(receiver.url(), FROZEN, createBudget("10"));
		String id = created.get("id").asString();

		Api.Response rotated = this.api.post("/v1/webhooks/" + id + "/rotate-secret", "");

		assertThat(rotated.status()).isEqualTo(200);
		assertThat(rotated.text("secret")).matches("whsec_[A-Za-z0-9+/]{43}=")
			.isNotEqualTo(created.get("secret").asString());
		// the tests' overlap is a minute (see IntegrationTest)
		assertThat(Instant.parse(rotated.text("previousSecretExpiresAt")))
			.isBetween(this.clock.instant().plusSeconds(50), this.clock.instant().plusSeconds(61));
		assertThat(this.api.get("/v1/audit?targetId=" + id).body()).contains("WEBHOOK_ROTATE_SECRET")
			.doesNotContain(rotated.text("secret"));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "http://10.0.0.1/hook", "http://127.0.0.2/hook", "http://169.254.169.254/latest/meta-data",
			"http://[::1]/hook", "http://[fc00::1]/hook", "http://[::ffff:10.0.0.1]/hook",
			"http://[::ffff:127.0.0.2]/hook", "http://0.0.0.0/hook", "http://[::]/hook", "http://192.168.1.1/hook",
			"http://172.16.0.1/hook", "http://[fe80::1]/hook", "http://224.0.0.1/hook" })
	void aUrlThatReachesAnInternalAddressIsRefusedAndNothingIsCreated(String url) {
		long before = webhookCount();

		Api.Response refused = this.api.post("/v1/webhooks", Map.of("url", url, "events", FROZEN));

		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.contentType()).startsWith("application/problem+json");
		assertThat(refused.text("code")).isEqualTo("WEBHOOK_TARGET_REFUSED");
		assertThat(webhookCount()).isEqualTo(before);
	}

	@Test
	void aPatchToAnInternalUrlIsRefusedAndChangesNothing() throws Exception {
		Receiver receiver = receiver();
		String id = createWebhook(receiver.url(), FROZEN, createBudget("10")).get("id").asString();

		Api.Response refused = this.api.patch("/v1/webhooks/" + id,
				Map.of("url", "http://10.1.2.3/", "enabled", false));

		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.text("code")).isEqualTo("WEBHOOK_TARGET_REFUSED");
		JsonNode unchanged = this.api.get("/v1/webhooks/" + id).json();
		assertThat(unchanged.get("url").asString()).isEqualTo(receiver.url());
		assertThat(unchanged.get("enabled").asBoolean()).isTrue();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "ftp://127.0.0.1/hook", "http://user:pass@127.0.0.1/hook", "not a url",
			"file:///etc/passwd", "http:///nohost", "http://127.0.0.1/hook#fragment" })
	void aUrlThatIsNotAPlainHttpUrlIsInvalid(String url) {
		Api.Response invalid = this.api.post("/v1/webhooks", Map.of("url", url, "events", FROZEN));

		assertThat(invalid.status()).as(invalid.toString()).isEqualTo(400);
		assertThat(invalid.text("code")).isEqualTo("INVALID_WEBHOOK_URL");
	}

	@Test
	void badInputIsRefusedWithAStableCodeAndNothingIsCreated() throws Exception {
		String url = receiver().url();
		long before = webhookCount();

		Api.Response unknownType = this.api.offContract()
			.post("/v1/webhooks", Map.of("url", url, "events", List.of("budget.eaten")));
		Api.Response noEvents = this.api.offContract().post("/v1/webhooks", Map.of("url", url, "events", List.of()));
		Api.Response badFormat = this.api.offContract()
			.post("/v1/webhooks", Map.of("url", url, "events", FROZEN, "format", "teams"));
		Api.Response noUrl = this.api.offContract().post("/v1/webhooks", Map.of("events", FROZEN));
		Api.Response unknownBudget = this.api.post("/v1/webhooks",
				Map.of("url", url, "events", FROZEN, "budgetId", UUID.randomUUID()));
		Api.Response unknownField = this.api.offContract()
			.post("/v1/webhooks", Map.of("url", url, "events", FROZEN, "secret", "x"));

		assertThat(unknownType.status()).isEqualTo(400);
		assertThat(unknownType.text("code")).isEqualTo("UNKNOWN_EVENT_TYPE");
		assertThat(noEvents.text("code")).isEqualTo("VALIDATION_FAILED");
		assertThat(badFormat.text("code")).isEqualTo("VALIDATION_FAILED");
		assertThat(noUrl.text("code")).isEqualTo("VALIDATION_FAILED");
		assertThat(unknownBudget.status()).isEqualTo(404);
		assertThat(unknownBudget.text("code")).isEqualTo("BUDGET_NOT_FOUND");
		assertThat(unknownField.status()).isEqualTo(400);
		assertThat(webhookCount()).isEqualTo(before);
	}

	@Test
	void deliveriesOfSomethingMissingAreNotFoundAndABadStatusFilterIsInvalid() throws Exception {
		String id = createWebhook(receiver().url(), FROZEN, createBudget("10")).get("id").asString();

		Api.Response noDelivery = this.api.post("/v1/webhooks/" + id + "/deliveries/" + UUID.randomUUID() + "/retry",
				"");
		Api.Response noWebhook = this.api
			.post("/v1/webhooks/" + UUID.randomUUID() + "/deliveries/" + UUID.randomUUID() + "/retry", "");
		Api.Response badStatus = this.api.offContract().get("/v1/webhooks/" + id + "/deliveries?status=LOST");

		assertThat(noDelivery.status()).isEqualTo(404);
		assertThat(noDelivery.text("code")).isEqualTo("DELIVERY_NOT_FOUND");
		assertThat(noWebhook.text("code")).isEqualTo("WEBHOOK_NOT_FOUND");
		assertThat(badStatus.status()).isEqualTo(400);
		assertThat(badStatus.text("code")).isEqualTo("VALIDATION_FAILED");
	}

	private long webhookCount() {
		return this.jdbc.sql("SELECT count(*) FROM webhooks").query(Long.class).single();
	}

}
