package dev.budgetledger.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks delivered to a real HTTP server on loopback, with the dispatcher driven by the
 * test.
 */
class WebhookDeliveryIntegrationTests extends WebhookIntegrationTest {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final List<String> FROZEN = List.of("budget.frozen");

	@Test
	void aDeliveryCarriesTheEventAndASignatureThatVerifiesWithTheDocumentedAlgorithm() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		JsonNode webhook = createWebhook(receiver.url(), FROZEN, budget);
		freeze(budget, "quarterly review");
		JsonNode event = this.api.get("/v1/events?type=budget.frozen&budgetId=" + budget).json().get("items").get(0);

		deliverDue();

		assertThat(receiver.requests()).hasSize(1);
		Receiver.Request request = receiver.requests().get(0);
		assertThat(request.header("webhook-id")).isEqualTo(event.get("id").asString());
		long timestamp = Long.parseLong(request.header("webhook-timestamp"));
		assertThat(timestamp).isBetween(this.clock.instant().getEpochSecond() - 60,
				this.clock.instant().getEpochSecond());
		assertThat(request.header("webhook-signature")).isEqualTo(expectedSignature(webhook.get("secret").asString(),
				request.header("webhook-id"), request.header("webhook-timestamp"), request.body()));
		assertThat(request.header("Content-Type")).isEqualTo("application/json");
		JsonNode body = json.readTree(request.body());
		assertThat(body.get("id").asString()).isEqualTo(event.get("id").asString());
		assertThat(body.get("type").asString()).isEqualTo("budget.frozen");
		assertThat(Instant.parse(body.get("time").asString()))
			.isEqualTo(Instant.parse(event.get("createdAt").asString()));
		assertThat(body.get("budget").get("id").asString()).isEqualTo(budget.toString());
		assertThat(body.get("budget").get("name").asString()).isEqualTo("test budget");
		assertThat(body.get("data").get("reason").asString()).isEqualTo("quarterly review");
		JsonNode delivery = onlyDelivery(webhook.get("id").asString());
		assertThat(delivery.get("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
		assertThat(delivery.get("lastStatusCode").asInt()).isEqualTo(200);
		assertThat(delivery.get("deliveredAt").isNull()).isFalse();
	}

	@Test
	void duringARotationDeliveriesCarryTheNewAndTheOldSignatureAndAfterItOnlyTheNew() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		JsonNode webhook = createWebhook(receiver.url(), List.of("budget.frozen", "budget.unfrozen"), budget);
		String id = webhook.get("id").asString();
		String oldSecret = webhook.get("secret").asString();
		Api.Response rotated = this.api.post("/v1/webhooks/" + id + "/rotate-secret", "");
		assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
		String newSecret = rotated.text("secret");
		assertThat(newSecret).isNotEqualTo(oldSecret);

		freeze(budget, "rotation");
		deliverDue();
		Receiver.Request during = receiver.requests().get(0);
		String[] signatures = during.header("webhook-signature").split(" ");
		assertThat(signatures).containsExactly(
				expectedSignature(newSecret, during.header("webhook-id"), during.header("webhook-timestamp"),
						during.body()),
				expectedSignature(oldSecret, during.header("webhook-id"), during.header("webhook-timestamp"),
						during.body()));

		this.clock
			.advance(Duration.between(this.clock.instant(), Instant.parse(rotated.text("previousSecretExpiresAt")))
				.plusSeconds(1));
		unfreeze(budget);
		deliverDue();
		Receiver.Request after = receiver.requests().get(1);
		assertThat(after.header("webhook-signature")).isEqualTo(expectedSignature(newSecret, after.header("webhook-id"),
				after.header("webhook-timestamp"), after.body()));
	}

	@Test
	void aReceiverThatFailsTwiceGetsTheEventOnTheThirdAttemptWithTheSameId() throws Exception {
		Receiver receiver = receiver().answer(500, 502);
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(), FROZEN, budget).get("id").asString();
		freeze(budget, "flaky receiver");

		dispatchOnce();
		JsonNode failed = onlyDelivery(id);
		assertThat(failed.get("status").asString()).isEqualTo("FAILED");
		assertThat(failed.get("attempts").asInt()).isEqualTo(1);
		assertThat(failed.get("lastStatusCode").asInt()).isEqualTo(500);
		assertThat(failed.get("lastResponseBody").asString()).isEqualTo("status 500");
		// the tests' backoff: the first retry within a second, the second within two
		assertThat(Instant.parse(failed.get("nextAttemptAt").asString()))
			.isBeforeOrEqualTo(this.clock.instant().plusSeconds(1));
		this.clock.advance(Duration.ofSeconds(3));
		dispatchOnce();
		assertThat(onlyDelivery(id).get("attempts").asInt()).isEqualTo(2);
		this.clock.advance(Duration.ofSeconds(3));
		dispatchOnce();

		assertThat(receiver.requests()).hasSize(3);
		assertThat(receiver.requests().stream().map(r -> r.header("webhook-id")).distinct()).hasSize(1);
		JsonNode delivered = onlyDelivery(id);
		assertThat(delivered.get("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(delivered.get("attempts").asInt()).isEqualTo(3);
		assertThat(delivered.get("nextAttemptAt").isNull()).isTrue();
	}

	@Test
	void aReceiverThatAlwaysFailsEndsDeadAndARetryThroughTheApiDeliversIt() throws Exception {
		Receiver receiver = receiver().otherwise(503, "x".repeat(5000));
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(), FROZEN, budget).get("id").asString();
		freeze(budget, "down receiver");

		for (int attempt = 0; attempt < 6; attempt++) {
			deliverDue();
			this.clock.advance(Duration.ofSeconds(3));
		}

		assertThat(receiver.requests()).hasSize(4); // max-attempts in the tests
		JsonNode dead = onlyDelivery(id);
		assertThat(dead.get("status").asString()).isEqualTo("DEAD");
		assertThat(dead.get("attempts").asInt()).isEqualTo(4);
		assertThat(dead.get("lastStatusCode").asInt()).isEqualTo(503);
		assertThat(dead.get("lastResponseBody").asString()).hasSize(1024);
		assertThat(dead.get("lastError").asString()).isEqualTo("HTTP 503");
		assertThat(this.api.get("/v1/webhooks/" + id + "/deliveries?status=DEAD").json().get("items")).hasSize(1);
		assertThat(this.api.get("/v1/webhooks/" + id + "/deliveries?status=PENDING").json().get("items")).isEmpty();

		receiver.otherwise(204, "");
		Api.Response retried = this.api
			.post("/v1/webhooks/" + id + "/deliveries/" + dead.get("id").asString() + "/retry", "");
		assertThat(retried.status()).as(retried.toString()).isEqualTo(202);
		assertThat(retried.text("status")).isEqualTo("PENDING");
		deliverDue();

		assertThat(receiver.requests()).hasSize(5);
		assertThat(onlyDelivery(id).get("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(this.api.get("/v1/audit?targetId=" + id).body()).contains("WEBHOOK_DELIVERY_RETRY");
	}

	@Test
	void aDryRunThatWouldCrossThresholdsEmitsNothingWhileTheRealReserveDoes() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(),
				List.of("budget.threshold_crossed", "budget.exhausted", "reservation.denied"), budget)
			.get("id")
			.asString();

		Api.Response dryRun = this.api.post("/v1/decisions", Map.of("budgetId", budget, "amount", "9.6"));
		assertThat(dryRun.status()).as(dryRun.toString()).isEqualTo(200);
		assertThat(dryRun.body()).contains("THRESHOLD_95");
		Api.Response deniedDryRun = this.api.post("/v1/decisions", Map.of("budgetId", budget, "amount", "11"));
		assertThat(deniedDryRun.text("decision")).isEqualTo("DENY");
		deliverDue();

		assertThat(receiver.requests()).isEmpty();
		assertThat(deliveries(id)).isEmpty();

		reserveAllowed(budget, "9.6");
		deliverDue();
		assertThat(receiver.requests()).extracting(r -> json.readTree(r.body()).get("data").get("threshold").asString())
			.containsExactly("0.5", "0.8", "0.95");
	}

	@Test
	void aThresholdCrossedByConcurrentReservesIsDeliveredExactlyOnce() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("100");
		createWebhook(receiver.url(), List.of("budget.threshold_crossed"), budget);

		List<Integer> statuses = Concurrently.run(20, 10, i -> reserve(budget, "3").status());
		assertThat(statuses).containsOnly(201);
		deliverDue();
		deliverDue();

		// 60 of 100 held: the 50 % threshold, crossed by one of the twenty, and nothing
		// else
		assertThat(receiver.requests()).hasSize(1);
		JsonNode body = json.readTree(receiver.requests().get(0).body());
		assertThat(body.get("type").asString()).isEqualTo("budget.threshold_crossed");
		assertThat(body.get("data").get("threshold").asString()).isEqualTo("0.5");
	}

	@Test
	void aReceiverThatAnswers410DisablesItsWebhookAndGetsNothingMore() throws Exception {
		Receiver receiver = receiver().answer(410);
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(), List.of("budget.frozen", "budget.unfrozen"), budget).get("id")
			.asString();
		freeze(budget, "gone");

		deliverDue();
		assertThat(this.api.get("/v1/webhooks/" + id).json().get("enabled").asBoolean()).isFalse();
		assertThat(this.api.get("/v1/audit?targetId=" + id).body()).contains("410 Gone");
		unfreeze(budget);
		this.clock.advance(Duration.ofSeconds(3));
		deliverDue();

		assertThat(receiver.requests()).hasSize(1);
		assertThat(onlyDelivery(id).get("lastStatusCode").asInt()).isEqualTo(410);
	}

	@Test
	void aWebhookNamingCloseAndReopenReceivesBoth() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		JsonNode webhook = createWebhook(receiver.url(), List.of("budget.closed", "budget.reopened"), budget);
		assertThat(webhook.get("events")).extracting(JsonNode::asString)
			.containsExactly("budget.closed", "budget.reopened");

		this.api.post("/v1/budgets/" + budget + "/close", "");
		this.api.post("/v1/budgets/" + budget + "/reopen", "");
		deliverDue();

		assertThat(receiver.requests()).extracting(r -> json.readTree(r.body()).get("type").asString())
			.containsExactly("budget.closed", "budget.reopened");
	}

	@Test
	void aBudgetsEventsReachAReceiverInOrderEvenWhenTheFirstNeedsARetry() throws Exception {
		Receiver receiver = receiver().answer(500);
		UUID budget = createBudget("10");
		createWebhook(receiver.url(), List.of("budget.frozen", "budget.unfrozen"), budget);
		freeze(budget, "order");
		unfreeze(budget);

		dispatchOnce();
		assertThat(receiver.requests()).extracting(r -> json.readTree(r.body()).get("type").asString())
			.containsExactly("budget.frozen");
		this.clock.advance(Duration.ofSeconds(3));
		deliverDue();

		assertThat(receiver.requests()).extracting(r -> json.readTree(r.body()).get("type").asString())
			.containsExactly("budget.frozen", "budget.frozen", "budget.unfrozen");
	}

	@Test
	void aWebhookOnABudgetGetsTheEventsOfItsSubtreeAndNoOthers() throws Exception {
		Receiver receiver = receiver();
		UUID parent = createBudget("100");
		UUID child = createBudget(Map.of("limit", "10", "parentId", parent));
		UUID grandchild = createBudget(Map.of("limit", "5", "parentId", child));
		UUID other = createBudget("100");
		createWebhook(receiver.url(), FROZEN, child);

		freeze(parent, "parent");
		freeze(child, "child");
		freeze(grandchild, "grandchild");
		freeze(other, "other");
		deliverDue();

		assertThat(receiver.requests()).extracting(r -> json.readTree(r.body()).get("data").get("reason").asString())
			.containsExactlyInAnyOrder("child", "grandchild");
	}

	@Test
	void aSlackWebhookPostsOneHumanReadableTextWithUserTextEscaped() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget(Map.of("name", "support <agent> & co", "limit", "10"));
		createWebhook(receiver.url(), List.of("budget.frozen", "budget.threshold_crossed"), budget, "format", "slack");
		freeze(budget, "<!channel> runaway loop");
		deliverDue();

		assertThat(receiver.requests()).hasSize(1);
		assertThat(json.readTree(receiver.requests().get(0).body()))
			.isEqualTo(json.readTree("{\"text\": \":ice_cube: Budget *support &lt;agent&gt; &amp; co* was frozen: "
					+ "&lt;!channel&gt; runaway loop.\"}"));
	}

	@Test
	void aRetryAfterAnswerIsHonouredUpToTheConfiguredBound() throws Exception {
		Receiver receiver = receiver().answer(new Receiver.Answer(429, Map.of("Retry-After", "120"), "slow down"));
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(), FROZEN, budget).get("id").asString();
		freeze(budget, "retry after");
		Instant before = this.clock.instant();

		deliverDue();
		Instant next = Instant.parse(onlyDelivery(id).get("nextAttemptAt").asString());
		assertThat(next).isBetween(before.plusSeconds(119), this.clock.instant().plusSeconds(121));
		this.clock.advance(Duration.ofSeconds(60));
		deliverDue();
		assertThat(receiver.requests()).hasSize(1);
		this.clock.advance(Duration.ofSeconds(61));
		deliverDue();
		assertThat(receiver.requests()).hasSize(2);
	}

	@Test
	void theTargetIsCheckedAgainAtDeliveryTime() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(), FROZEN, budget).get("id").asString();
		// As if the name now resolved elsewhere: 127.0.0.2 is loopback, and only
		// 127.0.0.1 is allowed in the tests.
		this.jdbc.sql("UPDATE webhooks SET url = replace(url, '127.0.0.1', '127.0.0.2') WHERE id = :id")
			.param("id", UUID.fromString(id))
			.update();
		freeze(budget, "rebinding");

		dispatchOnce();

		assertThat(receiver.requests()).isEmpty();
		JsonNode delivery = onlyDelivery(id);
		assertThat(delivery.get("status").asString()).isEqualTo("FAILED");
		assertThat(delivery.get("lastError").asString()).contains("refused because it resolves to 127.0.0.2");
	}

	@Test
	void twoDispatchersAtOnceNeverSendTheSameDeliveryTwice() throws Exception {
		Receiver receiver = receiver().slow(20);
		UUID parent = createBudget("100");
		String webhookId = createWebhook(receiver.url(), FROZEN, parent).get("id").asString();
		for (int i = 0; i < 30; i++) {
			freeze(createBudget(Map.of("limit", "1", "parentId", parent)), "budget " + i);
		}
		while (this.dispatcher.fanOut() > 0) {
			// all 30 deliveries made before the race starts
		}

		CountDownLatch start = new CountDownLatch(1);
		List<Integer> claimed = Concurrently.run(4, 4, i -> {
			try {
				start.countDown();
				start.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			int total = 0;
			int round;
			while ((round = this.dispatcher.dispatchDue()) > 0) {
				total += round;
			}
			return total;
		});

		// every delivery was claimed once (attempts counts claims) and sent once
		assertThat(claimed.stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(30);
		assertThat(deliveries(webhookId)).hasSize(30).allSatisfy(delivery -> {
			assertThat(delivery.get("status").asString()).isEqualTo("SUCCEEDED");
			assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
		});
		Set<String> ids = receiver.requests().stream().map(r -> r.header("webhook-id")).collect(Collectors.toSet());
		assertThat(receiver.requests()).hasSize(30);
		assertThat(ids).hasSize(30);
	}

	@Test
	void deliveryResultsAndLagAreMetrics() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		createWebhook(receiver.url(), FROZEN, budget);
		freeze(budget, "metrics");
		deliverDue();

		String metrics = this.api.get("/actuator/prometheus").body();
		assertThat(metrics).containsPattern(
				"budget_ledger_webhook_deliveries_total\\{event_type=\"budget.frozen\",outcome=\"succeeded\"} [1-9]");
		assertThat(metrics).containsPattern("budget_ledger_webhook_delivery_lag_seconds_count [1-9]");
		assertThat(metrics).doesNotContain(budget.toString());
	}

}
