package dev.budgetledger.alerting;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every denial of a real reserve is recorded once, in the decision's transaction; dry
 * runs and replays are not.
 */
class DenialsIntegrationTests extends IntegrationTest {

	@Test
	void aDeniedReserveIsRecordedWithWhoAskedWhoSaidNoAndWhat() {
		UUID parent = createBudget("1.00");
		UUID child = createBudget(Map.of("limit", "50", "parentId", parent));

		Api.Response denied = this.api.post("/v1/reservations", Map.of("budgetId", child, "model", "gpt-4o",
				"inputTokens", 100_000, "maxOutputTokens", 100_000, "metadata", Map.of("user", "alice")));

		assertThat(denied.status()).as(denied.toString()).isEqualTo(402);
		Map<String, Object> row = this.jdbc.sql("SELECT * FROM denials WHERE budget_id = :id")
			.param("id", child)
			.query()
			.singleRow();
		assertThat(row.get("denied_by")).isEqualTo(parent);
		assertThat(row.get("root_id")).isEqualTo(parent);
		assertThat(row.get("reason")).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(row.get("model")).isEqualTo("gpt-4o");
		assertThat(row.get("currency")).isEqualTo("USD");
		assertThat((java.math.BigDecimal) row.get("amount")).isEqualByComparingTo("1.25");
		assertThat(row.get("tokens")).isEqualTo(200_000L);

		JsonNode page = this.api.get("/v1/budgets/" + parent + "/denials").json();
		JsonNode item = page.get("items").get(0);
		assertThat(page.get("items")).hasSize(1);
		assertThat(item.get("budgetId").asString()).isEqualTo(child.toString());
		assertThat(item.get("deniedBy").asString()).isEqualTo(parent.toString());
		assertThat(item.get("reason").asString()).isEqualTo("INSUFFICIENT_FUNDS");
		assertThat(item.get("model").asString()).isEqualTo("gpt-4o");
		assertThat(item.get("amount").asString()).isEqualTo("1.25");
		assertThat(item.get("apiKeyId").asString()).isEqualTo(adminKeyId().toString());
		assertThat(item.get("metadata").get("user").asString()).isEqualTo("alice");
		assertThat(item.get("createdAt").asString()).isNotBlank();
	}

	@Test
	void dryRunsAndReplaysRecordNoDenial() {
		UUID budget = createBudget("1.00");
		Map<String, Object> tooMuch = Map.of("budgetId", budget, "amount", "5");

		assertThat(this.api.post("/v1/decisions", tooMuch).text("decision")).isEqualTo("DENY");
		assertThat(this.api.post("/v1/reservations", tooMuch, "Idempotency-Key", "deny-" + budget).status())
			.isEqualTo(402);
		Api.Response replay = this.api.post("/v1/reservations", tooMuch, "Idempotency-Key", "deny-" + budget);
		assertThat(replay.status()).isEqualTo(402);
		assertThat(replay.header("Idempotent-Replayed")).hasValue("true");

		assertThat(denials(budget)).isEqualTo(1);
		assertThat(budget(budget).text("deniedCount")).isEqualTo("1");
	}

	@Test
	void denialsAreListedNewestFirstAcrossTheSubtreeAndPaged() {
		UUID parent = createBudget(Map.of("limit", "10", "maxAmountPerCall", "1"));
		UUID child = createBudget(Map.of("limit", "10", "parentId", parent));
		UUID sibling = createBudget("10");
		List<String> newestFirst = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			UUID on = (i % 2 == 0) ? child : parent;
			assertThat(reserve(on, "2").status()).isEqualTo(402);
			newestFirst.add(0, on.toString());
		}
		assertThat(reserve(sibling, "20").status()).isEqualTo(402);

		List<String> seen = new ArrayList<>();
		String cursor = null;
		do {
			JsonNode page = this.api
				.get("/v1/budgets/" + parent + "/denials?limit=2" + ((cursor != null) ? "&cursor=" + cursor : ""))
				.json();
			page.get("items").forEach(item -> seen.add(item.get("budgetId").asString()));
			cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
		}
		while (cursor != null);

		assertThat(seen).isEqualTo(newestFirst);
		JsonNode childOnly = this.api.get("/v1/budgets/" + child + "/denials").json().get("items");
		assertThat(childOnly).hasSize(3);
		assertThat(childOnly.get(0).get("reason").asString()).isEqualTo("PER_CALL_LIMIT");
		assertThat(childOnly.get(0).get("deniedBy").asString()).isEqualTo(parent.toString());
	}

	private long denials(UUID budget) {
		return this.jdbc.sql("SELECT count(*) FROM denials WHERE budget_id = :id")
			.param("id", budget)
			.query(Long.class)
			.single();
	}

}
