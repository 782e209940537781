package dev.budgetledger.webhooks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the webhook integration tests share: receivers, webhooks that are deleted
 * afterwards, and the dispatcher.
 */
abstract class WebhookIntegrationTest extends IntegrationTest {

	@Autowired
	WebhookDispatcher dispatcher;

	private final List<AutoCloseable> receivers = new ArrayList<>();

	private final List<String> webhooks = new ArrayList<>();

	@AfterEach
	void cleanUp() throws Exception {
		for (String id : this.webhooks) {
			this.api.delete("/v1/webhooks/" + id);
		}
		for (AutoCloseable receiver : this.receivers) {
			receiver.close();
		}
	}

	Receiver receiver() throws Exception {
		Receiver receiver = new Receiver();
		this.receivers.add(receiver);
		return receiver;
	}

	/**
	 * Creates a webhook (deleted after the test); answers the 201 body, secret included.
	 */
	JsonNode createWebhook(String url, List<String> events, UUID budgetId, Object... more) {
		Map<String, Object> request = new LinkedHashMap<>();
		request.put("url", url);
		request.put("events", events);
		request.put("budgetId", budgetId);
		for (int i = 0; i < more.length; i += 2) {
			request.put((String) more[i], more[i + 1]);
		}
		Api.Response response = this.api.post("/v1/webhooks", request);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		this.webhooks.add(response.text("id"));
		return response.json();
	}

	/**
	 * Fans out every event and sends every due delivery, as the scheduler would over a
	 * few runs.
	 */
	void deliverDue() {
		while (this.dispatcher.fanOut() > 0) {
			// more events
		}
		while (this.dispatcher.dispatchDue() > 0) {
			// an answered delivery may unblock the next event of its budget
		}
	}

	/**
	 * Fans out every event and claims due deliveries once: one attempt each. (A failed
	 * attempt may be due again at once, since full jitter can draw a delay of nearly
	 * zero, so tests that count attempts take one step at a time.)
	 */
	void dispatchOnce() {
		while (this.dispatcher.fanOut() > 0) {
			// more events
		}
		this.dispatcher.dispatchDue();
	}

	void freeze(UUID budgetId, String reason) {
		Api.Response response = this.api.post("/v1/budgets/" + budgetId + "/freeze", Map.of("reason", reason));
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
	}

	void unfreeze(UUID budgetId) {
		Api.Response response = this.api.post("/v1/budgets/" + budgetId + "/unfreeze", "");
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
	}

	List<JsonNode> deliveries(String webhookId) {
		Api.Response response = this.api.get("/v1/webhooks/" + webhookId + "/deliveries?limit=200");
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		List<JsonNode> items = new ArrayList<>();
		response.json().get("items").forEach(items::add);
		return items;
	}

	JsonNode onlyDelivery(String webhookId) {
		List<JsonNode> deliveries = deliveries(webhookId);
		assertThat(deliveries).hasSize(1);
		return deliveries.get(0);
	}

	/**
	 * The Standard Webhooks signature, written out here independently of the service's
	 * code: HMAC-SHA256 keyed with the Base64-decoded secret after {@code whsec_}, over
	 * {@code id.timestamp.body}, in Base64.
	 */
	static String expectedSignature(String secret, String id, String timestamp, String body) throws Exception {
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
		byte[] signature = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
		return "v1," + Base64.getEncoder().encodeToString(signature);
	}

}
