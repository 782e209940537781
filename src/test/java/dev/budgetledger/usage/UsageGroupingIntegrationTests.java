package dev.budgetledger.usage;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
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
 * The groupings a spend dashboard needs: by API key, by end user (a metadata key), by the
 * budget reserved on, and by hour; each one splits the same total.
 */
class UsageGroupingIntegrationTests extends IntegrationTest {

	@Test
	void spendSplitsByApiKeyEndUserAndBudgetAndEveryGroupingHasTheSameTotal() {
		UUID org = createBudget(Map.of("name", "org", "limit", "10"));
		UUID support = createBudget(Map.of("name", "support", "limit", "5", "parentId", org));
		UUID search = createBudget(Map.of("name", "search", "limit", "5", "parentId", org));
		String supportBot = createKey(Map.of("name", "support bot", "role", "CLIENT", "budgetId", support))
			.text("secret");
		String searchBot = createKey(Map.of("name", "search bot", "role", "CLIENT", "budgetId", search)).text("secret");
		Instant from = this.clock.instant().minusSeconds(1);

		spend(supportBot, support, "0.40", Map.of("user", "alice"));
		spend(supportBot, support, "0.35", Map.of("user", "bob"));
		spend(searchBot, search, "1.25", Map.of("user", "alice", "feature", "search"));
		spend(null, org, "0.10", Map.of());
		Api.Response denied = this.api.as(searchBot)
			.post("/v1/reservations", Map.of("budgetId", search, "amount", "9", "metadata", Map.of("user", "carol")));
		assertThat(denied.status()).as(denied.toString()).isEqualTo(402);
		Instant to = this.clock.instant().plusSeconds(1);

		JsonNode byKey = report(org, from, to, "groupBy=key");
		assertThat(keys(byKey)).containsExactly(keyIdOf(searchBot), keyIdOf(supportBot), adminKeyId().toString());
		assertThat(labels(byKey)).containsExactly("search bot", "support bot", "admin (configured)");
		assertThat(spends(byKey)).containsExactly("1.25", "0.75", "0.10");
		assertThat(byKey.get("groups").get(0).get("callsDenied").asLong())
			.as("the denial is counted under the key it was sent with")
			.isEqualTo(1);

		JsonNode byUser = report(org, from, to, "groupBy=metadata&metadataKey=user");
		assertThat(byUser.get("metadataKey").asString()).isEqualTo("user");
		assertThat(keys(byUser)).containsExactly("alice", "bob", UsageReports.UNATTRIBUTED, "carol");
		assertThat(spends(byUser)).containsExactly("1.65", "0.35", "0.10", "0.00");
		assertThat(byUser.get("groups").get(0).get("callsAllowed").asLong()).isEqualTo(2);
		assertThat(byUser.get("groups").get(3).get("callsDenied").asLong())
			.as("the denial is counted under the end user it was made for")
			.isEqualTo(1);

		JsonNode byBudget = report(org, from, to, "groupBy=budget");
		assertThat(labels(byBudget)).containsExactly("search", "support", "org");
		assertThat(keys(byBudget)).containsExactly(search.toString(), support.toString(), org.toString());
		assertThat(spends(byBudget)).containsExactly("1.25", "0.75", "0.10");
		assertThat(byBudget.get("groups").get(0).get("callsDenied").asLong()).isEqualTo(1);

		for (String grouping : List.of("groupBy=day", "groupBy=hour", "groupBy=model", "groupBy=child",
				"groupBy=metadata&metadataKey=feature")) {
			JsonNode other = report(org, from, to, grouping);
			assertThat(other.get("total")).as(grouping).isEqualTo(byKey.get("total"));
		}
		assertThat(byKey.get("total").get("spend").asString()).isEqualTo("2.10");
		assertThat(byKey.get("total").get("callsDenied").asLong()).isEqualTo(1);
	}

	@Test
	void hoursAreEveryHourOfTheRangeInTheBudgetsZone() {
		UUID budget = createBudget(Map.of("name", "east", "limit", "10", "timezone", "Asia/Kolkata"));
		spend(null, budget, "0.30", Map.of());
		Instant now = this.clock.instant();
		Instant from = now.minus(Duration.ofHours(5)).truncatedTo(ChronoUnit.HOURS);

		JsonNode report = report(budget, from, now.plusSeconds(1), "groupBy=hour");

		DateTimeFormatter hour = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH")
			.withZone(ZoneOffset.ofHoursMinutes(5, 30));
		List<String> keys = keys(report);
		assertThat(keys).hasSizeBetween(6, 7).startsWith(hour.format(from)).endsWith(hour.format(now));
		assertThat(report.get("groups").get(keys.size() - 1).get("spend").asString()).isEqualTo("0.30");
		assertThat(report.get("total").get("spend").asString()).isEqualTo("0.30");
	}

	@Test
	void aClientKeySeesOtherKeysByIdOnly() {
		UUID org = createBudget(Map.of("name", "org", "limit", "10"));
		String mine = createKey(Map.of("name", "my agent", "role", "CLIENT", "budgetId", org)).text("secret");
		spend(mine, org, "0.20", Map.of());
		spend(null, org, "0.10", Map.of());
		Instant to = this.clock.instant().plusSeconds(1);

		Api.Response response = this.api.as(mine)
			.get("/v1/budgets/" + org + "/usage?groupBy=key&from=" + to.minusSeconds(60) + "&to=" + to);

		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		JsonNode report = response.json();
		assertThat(labels(report)).containsExactly("my agent", adminKeyId().toString());
	}

	@Test
	void groupingsThatCannotBeAnsweredAreRejected() {
		UUID budget = createBudget("10");
		Instant now = this.clock.instant();
		String base = "/v1/budgets/" + budget + "/usage?";
		for (String query : List.of("groupBy=metadata", "groupBy=metadata&metadataKey=", "groupBy=day&metadataKey=user",
				"groupBy=metadata&metadataKey=" + "k".repeat(101),
				"groupBy=hour&from=" + now.minus(Duration.ofDays(32)) + "&to=" + now)) {
			Api.Response response = this.api.offContract().get(base + query);
			assertThat(response.status()).as(query + " " + response).isEqualTo(400);
			assertThat(response.text("code")).isEqualTo("VALIDATION_FAILED");
		}
		Api.Response month = this.api.get(base + "groupBy=hour&from=" + now.minus(Duration.ofDays(31)) + "&to=" + now);
		assertThat(month.status()).as(month.toString()).isEqualTo(200);
		assertThat(month.json().get("groups").size()).isBetween(744, 745);
	}

	/**
	 * Reserves 1.00 and settles {@code amount}, with the given key (the admin key when
	 * null) and metadata.
	 */
	private void spend(String key, UUID budget, String amount, Map<String, Object> metadata) {
		Api api = (key != null) ? this.api.as(key) : this.api;
		Api.Response hold = api.post("/v1/reservations",
				Map.of("budgetId", budget, "amount", "1.00", "metadata", metadata));
		assertThat(hold.status()).as(hold.toString()).isEqualTo(201);
		Api.Response settled = api.post("/v1/reservations/" + hold.text("id") + "/settle", Map.of("amount", amount));
		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
	}

	private JsonNode report(UUID budget, Instant from, Instant to, String grouping) {
		Api.Response response = this.api
			.get("/v1/budgets/" + budget + "/usage?" + grouping + "&from=" + from + "&to=" + to);
		assertThat(response.status()).as(grouping + " " + response).isEqualTo(200);
		return response.json();
	}

	private static List<String> keys(JsonNode report) {
		return column(report, "key");
	}

	private static List<String> labels(JsonNode report) {
		return column(report, "label");
	}

	private static List<String> spends(JsonNode report) {
		return column(report, "spend").stream().map(s -> new BigDecimal(s).setScale(2).toPlainString()).toList();
	}

	private static List<String> column(JsonNode report, String name) {
		List<String> values = new ArrayList<>();
		report.get("groups").forEach(group -> values.add(group.get(name).asString()));
		return values;
	}

}
