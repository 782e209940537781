package dev.budgetledger.ledger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reservation on a leaf holds on every ancestor; the root's limit holds however many
 * leaves spend at once.
 */
class HierarchyIntegrationTests extends IntegrationTest {

	@Autowired
	Ledger ledger;

	@Test
	void aReservationHoldsOnTheLeafAndEveryAncestor() {
		UUID org = createBudget("100");
		UUID team = createBudget(Map.of("limit", "50", "parentId", org));
		UUID workflow = createBudget(Map.of("limit", "20", "parentId", team));

		UUID hold = reserveAllowed(workflow, "3.00");

		assertThat(budget(org).text("reserved")).isEqualTo("3.00");
		assertThat(budget(team).text("reserved")).isEqualTo("3.00");
		assertThat(budget(workflow).text("reserved")).isEqualTo("3.00");
		assertThat(budget(workflow).text("depth")).isEqualTo("2");
		assertThat(budget(workflow).text("rootId")).isEqualTo(org.toString());

		settle(hold, Map.of("amount", "1.25"));

		for (UUID level : List.of(org, team, workflow)) {
			assertReconciled(level, "1.25", "0");
			assertThat(budget(level).json().get("heldCount").asLong()).isZero();
		}
	}

	@Test
	void releaseAndExpiryGiveTheHoldBackOnEveryLevel() {
		UUID org = createBudget("100");
		UUID leaf = createBudget(Map.of("limit", "20", "parentId", org));
		UUID released = reserveAllowed(leaf, "2.00");
		reserveAllowed(leaf, "3.00");

		this.api.post("/v1/reservations/" + released + "/release", "");
		this.clock.advance(Duration.ofSeconds(601));
		expireAllDue();

		assertReconciled(org, "0", "0");
		assertReconciled(leaf, "0", "0");
		long expireEntries = this.jdbc
			.sql("SELECT count(*) FROM journal_entries WHERE kind = 'EXPIRE' AND budget_id IN (:ids)")
			.param("ids", List.of(org, leaf))
			.query(Long.class)
			.single();
		assertThat(expireEntries).isEqualTo(2);
	}

	@Test
	void theParentIsTheRealCapAndTheDenyNamesIt() {
		UUID org = createBudget("5.00");
		UUID a = createBudget(Map.of("limit", "4.00", "parentId", org));
		UUID b = createBudget(Map.of("limit", "4.00", "parentId", org));
		reserveAllowed(a, "3.00");

		Api.Response denied = reserve(b, "2.50");

		assertThat(denied.status()).isEqualTo(402);
		assertThat(denied.text("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(denied.text("budgetId")).isEqualTo(b.toString());
		assertThat(denied.text("limitingBudgetId")).isEqualTo(org.toString());
		assertThat(denied.text("available")).isEqualTo("2.00");
		assertThat(denied.text("requested")).isEqualTo("2.50");
		assertThat(reserve(b, "2.00").status()).isEqualTo(201);
		assertReconciled(org, "0", "5.00");
	}

	@Test
	void concurrentReservesOnManyLeavesNeverPushTheParentPastItsLimit() throws Exception {
		UUID org = createBudget("10.00");
		List<UUID> leaves = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			leaves.add(createBudget(Map.of("limit", "5.00", "parentId", org)));
		}

		List<Integer> statuses = Concurrently.run(200, 32, i -> reserve(leaves.get(i % 5), "0.10").status());

		assertThat(statuses).filteredOn(s -> s == 201).hasSize(100);
		assertThat(statuses).filteredOn(s -> s == 402).hasSize(100);
		assertThat(budget(org).text("reserved")).isEqualTo("10.00");
		assertThat(budget(org).json().get("heldCount").asLong()).isEqualTo(100);
		assertLedgerReconciled();
	}

	@Test
	void mixedReserveSettleReleaseAndExpiryKeepEveryLevelReconciled() throws Exception {
		UUID org = createBudget("40.00");
		List<UUID> teams = List.of(createBudget(Map.of("limit", "25", "parentId", org)),
				createBudget(Map.of("limit", "25", "parentId", org)));
		List<UUID> leaves = new ArrayList<>();
		for (UUID team : teams) {
			for (int i = 0; i < 3; i++) {
				leaves.add(createBudget(Map.of("limit", "10", "parentId", team)));
			}
		}
		AtomicInteger sweeps = new AtomicInteger();
		long seed = System.nanoTime();

		List<Integer> statuses = Concurrently.run(300, 24, i -> {
			Random random = new Random(seed + i);
			UUID leaf = leaves.get(random.nextInt(leaves.size()));
			Api.Response reserved = this.api.post("/v1/reservations", Map.of("budgetId", leaf, "amount",
					"0." + (10 + random.nextInt(80)), "ttlSeconds", 1 + random.nextInt(3) * 600));
			if (reserved.status() != 201) {
				return reserved.status();
			}
			UUID hold = UUID.fromString(reserved.text("id"));
			return switch (random.nextInt(4)) {
				// Random amounts may run far past the hold; reconciliation, not the
				// overrun ceiling, is under test.
				case 0 -> settle(hold, Map.of("amount", "0." + random.nextInt(100), "allowOverrun", true)).status();
				case 1 -> this.api.post("/v1/reservations/" + hold + "/release", "").status();
				case 2 -> {
					sweeps.incrementAndGet();
					this.ledger.expireDue(50);
					yield 200;
				}
				default -> 201;
			};
		});
		this.clock.advance(Duration.ofSeconds(2));
		this.ledger.expireDue(1000);

		assertThat(statuses).as("seed " + seed).allMatch(s -> s == 200 || s == 201 || s == 402);
		assertThat(sweeps.get()).isPositive();
		assertLedgerReconciled();
	}

	@Test
	void budgetsNestAtMostEightLevels() {
		UUID parent = createBudget("100");
		for (int depth = 1; depth < 8; depth++) {
			parent = createBudget(Map.of("limit", "100", "parentId", parent));
		}

		Api.Response tooDeep = this.api.post("/v1/budgets", Map.of("name", "ninth", "limit", "1", "parentId", parent));

		assertThat(budget(parent).text("depth")).isEqualTo("7");
		assertThat(tooDeep.status()).isEqualTo(400);
		assertThat(tooDeep.text("code")).isEqualTo("INVALID_PARENT");
	}

	@Test
	void aMissingParentOrAnotherCurrencyIsRefused() {
		UUID usd = createBudget("100");

		Api.Response missing = this.api.post("/v1/budgets",
				Map.of("name", "x", "limit", "1", "parentId", UUID.randomUUID()));
		Api.Response euro = this.api.post("/v1/budgets",
				Map.of("name", "x", "limit", "1", "parentId", usd, "currency", "EUR"));

		assertThat(missing.text("code")).isEqualTo("INVALID_PARENT");
		assertThat(euro.text("code")).isEqualTo("INVALID_PARENT");
	}

	@Test
	void childrenAndTheTreeShowTheSubtreeWithRolledUpFigures() {
		UUID org = createBudget("100");
		UUID team = createBudget(Map.of("limit", "50", "parentId", org));
		UUID other = createBudget(Map.of("limit", "50", "parentId", org));
		UUID leaf = createBudget(Map.of("limit", "10", "parentId", team));
		settle(reserveAllowed(leaf, "2.00"), Map.of("amount", "2.00"));
		settle(reserveAllowed(other, "1.00"), Map.of("amount", "1.00"));

		JsonNode children = this.api.get("/v1/budgets/" + org + "/children").json().get("items");
		JsonNode tree = this.api.get("/v1/budgets/" + org + "/tree").json();

		assertThat(children.size()).isEqualTo(2);
		assertThat(tree.get("budget").get("spent").asString()).isEqualTo("3.00");
		assertThat(tree.get("children").size()).isEqualTo(2);
		JsonNode teamNode = tree.get("children").get(0);
		assertThat(teamNode.get("budget").get("id").asString()).isEqualTo(team.toString());
		assertThat(teamNode.get("budget").get("spent").asString()).isEqualTo("2.00");
		assertThat(teamNode.get("children").get(0).get("budget").get("id").asString()).isEqualTo(leaf.toString());
	}

}
