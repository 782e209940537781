package dev.budgetledger.webhooks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Endpoints are isolated: eight receivers that take 8 s to answer sit beside a healthy
 * one, all on the same budget, and the healthy one still gets each event within 2 s,
 * while the slow ones get theirs later, in order. The scheduler runs on its own (every
 * 100 ms) in a context of its own, as in production, with the default pool; the read
 * timeout is longer than the slow answers, so nothing here is a timeout and a retry.
 */
@DirtiesContext
@TestPropertySource(
		properties = { "budget-ledger.webhooks.poll-interval=100ms", "budget-ledger.webhooks.read-timeout=20s" })
class WebhookIsolationIntegrationTests extends WebhookIntegrationTest {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final List<String> EVENTS = List.of("budget.frozen", "budget.unfrozen");

	/**
	 * Far below the slow receivers' 8 s: what a healthy endpoint may wait, polling and a
	 * loaded machine included.
	 */
	private static final Duration HEALTHY_BOUND = Duration.ofSeconds(2);

	@Test
	void eightSlowEndpointsDoNotDelayAHealthyOne() throws Exception {
		UUID budget = createBudget("10");
		List<Receiver> slow = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			Receiver receiver = receiver().slow(8000);
			createWebhook(receiver.url(), EVENTS, budget);
			slow.add(receiver);
		}
		Receiver healthy = receiver();
		createWebhook(healthy.url(), EVENTS, budget);

		freeze(budget, "first");
		await().atMost(HEALTHY_BOUND).until(() -> healthy.requests().size() == 1);
		// the slow ones have their first event in hand and are still answering it
		await().atMost(HEALTHY_BOUND).until(() -> slow.stream().allMatch(r -> r.requests().size() == 1));

		unfreeze(budget);
		await().atMost(HEALTHY_BOUND).until(() -> healthy.requests().size() == 2);
		freeze(budget, "second");
		await().atMost(HEALTHY_BOUND).until(() -> healthy.requests().size() == 3);

		// exact counts: nothing sent twice, and a slow endpoint's later events wait for
		// its first (order per budget)
		assertThat(healthy.requests()).hasSize(3);
		assertThat(slow).allSatisfy(receiver -> assertThat(receiver.requests()).hasSize(1));
		assertThat(types(healthy)).containsExactly("budget.frozen", "budget.unfrozen", "budget.frozen");

		// once they answer, the slow endpoints get the rest, in order, each exactly once
		slow.forEach(receiver -> receiver.slow(0));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> slow.stream().allMatch(receiver -> receiver.requests().size() >= 3));
		assertThat(slow).allSatisfy(receiver -> assertThat(types(receiver)).containsExactly("budget.frozen",
				"budget.unfrozen", "budget.frozen"));
		assertThat(healthy.requests()).hasSize(3);
	}

	@Test
	void anEndpointGetsOneCallAtATime() throws Exception {
		Receiver receiver = receiver().slow(300);
		UUID parent = createBudget("100");
		createWebhook(receiver.url(), List.of("budget.frozen"), parent);
		for (int i = 0; i < 5; i++) {
			freeze(createBudget(Map.of("limit", "1", "parentId", parent)), "budget " + i);
		}

		// five budgets, so ordering holds none of them back: only the
		// one-call-per-endpoint rule keeps them apart
		await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests().size() == 5);
		assertThat(receiver.mostInFlight()).isEqualTo(1);
		assertThat(receiver.requests()).hasSize(5);
	}

	private static List<String> types(Receiver receiver) {
		return receiver.requests()
			.stream()
			.map(request -> json.readTree(request.body()).get("type").asString())
			.toList();
	}

}
