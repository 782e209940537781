package dev.budgetledger.security;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing above a key's scope is visible to it: a key bound to a team never learns the
 * id, name or figures of the budgets above the team, whatever it reads and whatever it
 * causes; a denial they cause says only {@code limitedBy: ANCESTOR}.
 */
class ScopeVisibilityIntegrationTests extends IntegrationTest {

	@Test
	void aDenialByABudgetAboveTheScopeNamesNeitherItNorItsFigures() {
		UUID root = createBudget(Map.of("name", "org-secret-name", "limit", "100.37"));
		UUID team = createBudget(Map.of("limit", "50", "parentId", root));
		UUID workflow = createBudget(Map.of("limit", "40", "parentId", team));
		Api client = this.api.as(clientKey(team));

		Api.Response denied = client.post("/v1/reservations", Map.of("budgetId", workflow, "amount", "1000000000000"));
		assertThat(denied.status()).as(denied.toString()).isEqualTo(402);
		assertThat(denied.text("limitedBy")).isEqualTo("ANCESTOR");
		assertThat(denied.json().has("limitingBudgetId")).isFalse();
		assertThat(denied.json().has("available")).isFalse();
		assertHidden(denied, root);

		Api.Response dryRun = client.post("/v1/decisions", Map.of("budgetId", workflow, "amount", "1000000000000"));
		assertThat(dryRun.status()).isEqualTo(200);
		assertThat(dryRun.text("decision")).isEqualTo("DENY");
		assertThat(dryRun.text("limitedBy")).isEqualTo("ANCESTOR");
		assertThat(dryRun.json().has("limitingBudgetId")).isFalse();
		assertThat(dryRun.json().has("available")).isFalse();
		assertHidden(dryRun, root);

		// Within the scope, the limiting budget is named with its figures, as before.
		Api.Response byTeam = client.post("/v1/reservations", Map.of("budgetId", workflow, "amount", "45"));
		assertThat(byTeam.status()).isEqualTo(402);
		assertThat(byTeam.text("limitedBy")).isEqualTo("BUDGET");
		assertThat(byTeam.text("limitingBudgetId")).isEqualTo(workflow.toString());
		assertThat(byTeam.text("available")).isEqualTo("40.00");

		// The admin sees everything.
		Api.Response asAdmin = this.api.post("/v1/decisions", Map.of("budgetId", workflow, "amount", "1000000000000"));
		assertThat(asAdmin.text("limitedBy")).isEqualTo("BUDGET");
		assertThat(asAdmin.text("limitingBudgetId")).isEqualTo(root.toString());
		assertThat(asAdmin.text("available")).isEqualTo("100.37");
	}

	@Test
	void noEndpointAndNoEventAKeyCanReadShowsWhatIsAboveItsScope() {
		UUID root = createBudget(Map.of("name", "org-secret-name", "limit", "10.37"));
		UUID team = createBudget(Map.of("limit", "1000", "parentId", root));
		UUID workflow = createBudget(Map.of("limit", "1000", "parentId", team));
		Api client = this.api.as(clientKey(team));

		// Every kind of event the tree can cause, while the root says no, crosses
		// thresholds and runs out.
		String crossing = client.post("/v1/reservations", Map.of("budgetId", workflow, "amount", "6")).body();
		assertThat(crossing).doesNotContain("THRESHOLD");
		UUID overrun = UUID
			.fromString(client.post("/v1/reservations", Map.of("budgetId", team, "amount", "2")).text("id"));
		Api.Response settled = client.post("/v1/reservations/" + overrun + "/settle", Map.of("amount", "4"));
		assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
		assertThat(settled.json().has("warnings")).as(settled.toString()).isFalse();
		assertThat(client.post("/v1/reservations", Map.of("budgetId", workflow, "amount", "5")).status())
			.isEqualTo(402);
		UUID expiring = UUID
			.fromString(client.post("/v1/reservations", Map.of("budgetId", workflow, "amount", "0.01", "ttlSeconds", 1))
				.text("id"));
		this.clock.advance(java.time.Duration.ofSeconds(5));
		expireAllDue();
		assertThat(this.api.post("/v1/budgets/" + root + "/freeze", Map.of("reason", "org-secret-reason")).status())
			.isEqualTo(200);
		Api.Response frozen = client.post("/v1/reservations", Map.of("budgetId", team, "amount", "0.01"));
		assertThat(frozen.text("limitedBy")).isEqualTo("ANCESTOR");

		List<String> paths = List.of("/v1/budgets", "/v1/budgets/" + team, "/v1/budgets/" + workflow,
				"/v1/budgets/" + team + "/children", "/v1/budgets/" + team + "/tree",
				"/v1/budgets/" + team + "/entries", "/v1/budgets/" + team + "/periods",
				"/v1/budgets/" + team + "/usage", "/v1/budgets/" + team + "/usage?groupBy=child",
				"/v1/budgets/" + team + "/denials", "/v1/budgets/" + workflow + "/denials", "/v1/reservations",
				"/v1/reservations/" + overrun, "/v1/reservations/" + expiring, "/v1/events",
				"/v1/events?budgetId=" + workflow);
		for (String path : paths) {
			Api.Response read = client.get(path);
			assertThat(read.status()).as(path + " -> " + read).isEqualTo(200);
			assertHidden(read, root);
		}
		JsonNode team1 = client.get("/v1/budgets/" + team).json();
		assertThat(team1.has("parentId")).isFalse();
		assertThat(team1.has("rootId")).isFalse();
		assertThat(client.get("/v1/budgets/" + workflow).text("parentId")).isEqualTo(team.toString());
		JsonNode events = client.get("/v1/events").json().get("items");
		List<String> types = events.valueStream().map(e -> e.get("type").asString()).distinct().toList();
		assertThat(types).contains("reservation.denied", "reservation.overrun", "reservation.expired");
		events.valueStream()
			.filter(e -> e.get("type").asString().equals("reservation.denied"))
			.forEach(e -> assertThat(e.get("data").get("limitedBy").asString()).isEqualTo("ANCESTOR"));
		JsonNode denials = client.get("/v1/budgets/" + team + "/denials").json().get("items");
		assertThat(denials.size()).isPositive();
		denials.valueStream().forEach(d -> {
			assertThat(d.has("deniedBy")).isFalse();
			assertThat(d.get("limitedBy").asString()).isEqualTo("ANCESTOR");
		});
		// The admin's feed has it all: the root's own events and the root named in the
		// denials.
		assertThat(this.api.get("/v1/events?budgetId=" + root).body()).contains("budget.threshold_crossed")
			.contains("budget.frozen");
		assertThat(this.api.get("/v1/budgets/" + team + "/denials").body()).contains(root.toString());
	}

	/**
	 * Neither the root's id, nor its name, nor its limit appear anywhere in the answer.
	 */
	private static void assertHidden(Api.Response response, UUID root) {
		assertThat(response.body()).as(response.toString())
			.doesNotContain(root.toString())
			.doesNotContain("org-secret")
			.doesNotContain("10.37")
			.doesNotContain("100.37");
	}

}
