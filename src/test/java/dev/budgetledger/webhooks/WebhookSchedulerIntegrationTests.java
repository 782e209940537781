package dev.budgetledger.webhooks;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dispatcher on its own schedule, every 100 ms, in a context of its own (closed
 * afterwards, so it cannot race the tests that drive the dispatcher themselves): an event
 * reaches its receiver with nobody calling anything.
 */
@DirtiesContext
@TestPropertySource(properties = "budget-ledger.webhooks.poll-interval=100ms")
class WebhookSchedulerIntegrationTests extends WebhookIntegrationTest {

	@Test
	void theSchedulerDeliversEventsWithoutBeingAsked() throws Exception {
		Receiver receiver = receiver();
		UUID budget = createBudget("10");
		String id = createWebhook(receiver.url(), List.of("budget.frozen"), budget).get("id").asString();

		freeze(budget, "scheduled");

		await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests().size() == 1);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> "SUCCEEDED".equals(onlyDelivery(id).get("status").asString()));
		assertThat(receiver.requests().get(0).body()).contains("\"reason\":\"scheduled\"");
	}

}
