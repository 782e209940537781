package dev.budgetledger.ledger.web;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

class BudgetApiIntegrationTests extends IntegrationTest {

	@Test
	void rootsListsOnlyTheTopOfEachTreeAndABoundKeysOwnBudget() {
		UUID root = createBudget("10");
		UUID child = createBudget(Map.of("limit", "5", "parentId", root));
		List<String> tops = new ArrayList<>();
		String cursor = null;
		do {
			Api.Response page = this.api
				.get("/v1/budgets?roots=true&limit=200" + ((cursor != null) ? "&cursor=" + cursor : ""));
			assertThat(page.status()).isEqualTo(200);
			page.json().get("items").forEach(item -> tops.add(item.get("id").asString()));
			cursor = page.json().hasNonNull("nextCursor") ? page.json().get("nextCursor").asString() : null;
		}
		while (cursor != null);
		assertThat(tops).contains(root.toString()).doesNotContain(child.toString());

		Api bound = this.api.as(clientKey(child));
		Api.Response own = bound.get("/v1/budgets?roots=true");
		assertThat(own.json().get("items")).hasSize(1);
		assertThat(own.json().get("items").get(0).get("id").asString()).isEqualTo(child.toString());
	}

	@Test
	void createAnswersTheBudgetWithItsLocation() {
		Api.Response created = this.api.post("/v1/budgets", Map.of("name", "research agents", "limit", 250.5,
				"currency", "EUR", "metadata", Map.of("team", "r&d")));

		assertThat(created.status()).isEqualTo(201);
		assertThat(created.header("Location")).hasValue("/v1/budgets/" + created.text("id"));
		assertThat(created.text("name")).isEqualTo("research agents");
		assertThat(created.text("currency")).isEqualTo("EUR");
		assertThat(created.text("limit")).isEqualTo("250.50");
		assertThat(created.text("spent")).isEqualTo("0.00");
		assertThat(created.text("reserved")).isEqualTo("0.00");
		assertThat(created.text("available")).isEqualTo("250.50");
		assertThat(created.text("status")).isEqualTo("ACTIVE");
		assertThat(created.json().get("metadata").get("team").asString()).isEqualTo("r&d");
		assertThat(budget(UUID.fromString(created.text("id"))).body()).isEqualTo(created.body());
	}

	@Test
	void theCurrencyDefaultsToUsd() {
		UUID id = createBudget("1");
		assertThat(budget(id).text("currency")).isEqualTo("USD");
	}

	@Test
	void changingTheLimitIsJournaledAndRenamingIsNot() {
		UUID id = createBudget("5.00");
		reserveAllowed(id, "1.00");

		Api.Response patched = this.api.patch("/v1/budgets/" + id, Map.of("limit", "7.5", "name", "renamed"));
		this.api.patch("/v1/budgets/" + id, Map.of("name", "renamed again"));

		assertThat(patched.status()).isEqualTo(200);
		assertThat(patched.text("limit")).isEqualTo("7.50");
		assertThat(patched.text("available")).isEqualTo("6.50");
		JsonNode entries = this.api.get("/v1/budgets/" + id + "/entries").json().get("items");
		List<String> kinds = new ArrayList<>();
		entries.forEach(entry -> kinds.add(entry.get("kind").asString()));
		assertThat(kinds).containsExactly("OPEN", "RESERVE", "LIMIT_CHANGE");
		assertThat(entries.get(0).get("limit").asString()).isEqualTo("5.00");
		assertThat(entries.get(2).get("limit").asString()).isEqualTo("7.50");
		assertThat(budget(id).text("name")).isEqualTo("renamed again");
		assertReconciled(id, "0", "1.00");
	}

	@Test
	void loweringTheLimitBelowWhatIsHeldMakesAvailableNegative() {
		UUID id = createBudget("5.00");
		reserveAllowed(id, "4.00");

		Api.Response patched = this.api.patch("/v1/budgets/" + id, Map.of("limit", "3"));

		assertThat(patched.text("available")).isEqualTo("-1.00");
		assertThat(reserve(id, "0.01").status()).isEqualTo(402);
	}

	@Test
	void budgetsArePagedWithACursorWithoutGapsOrRepeats() {
		Set<String> created = new HashSet<>();
		for (int i = 0; i < 7; i++) {
			created.add(createBudget("1").toString());
		}

		Set<String> seen = new HashSet<>();
		String cursor = null;
		int pages = 0;
		do {
			Api.Response page = this.api.get("/v1/budgets?limit=3" + ((cursor != null) ? "&cursor=" + cursor : ""));
			assertThat(page.status()).isEqualTo(200);
			assertThat(page.json().get("items").size()).isLessThanOrEqualTo(3);
			page.json().get("items").forEach(item -> assertThat(seen.add(item.get("id").asString())).isTrue());
			JsonNode next = page.json().get("nextCursor");
			cursor = (next == null || next.isNull()) ? null : next.asString();
			pages++;
		}
		while (cursor != null);

		assertThat(seen).containsAll(created);
		assertThat(pages).isGreaterThanOrEqualTo(3);
	}

	@Test
	void journalEntriesArePagedInOrder() {
		UUID id = createBudget("10");
		for (int i = 0; i < 4; i++) {
			reserveAllowed(id, "1");
		}

		Api.Response first = this.api.get("/v1/budgets/" + id + "/entries?limit=2");
		Api.Response second = this.api.get("/v1/budgets/" + id + "/entries?limit=2&cursor=" + first.text("nextCursor"));
		Api.Response third = this.api.get("/v1/budgets/" + id + "/entries?limit=2&cursor=" + second.text("nextCursor"));

		List<Long> ids = new ArrayList<>();
		for (Api.Response page : List.of(first, second, third)) {
			page.json().get("items").forEach(item -> ids.add(item.get("id").asLong()));
		}
		assertThat(ids).hasSize(5).isSorted().doesNotHaveDuplicates();
		assertThat(third.json().get("nextCursor").isNull()).isTrue();
	}

	@Test
	void theJournalCannotBeEditedOrDeleted() {
		UUID id = createBudget("1");

		assertThat(org.assertj.core.api.Assertions
			.catchThrowable(() -> this.jdbc.sql("UPDATE journal_entries SET amount = 0 WHERE budget_id = :id")
				.param("id", id)
				.update()))
			.hasMessageContaining("append-only");
		assertThat(org.assertj.core.api.Assertions.catchThrowable(
				() -> this.jdbc.sql("DELETE FROM journal_entries WHERE budget_id = :id").param("id", id).update()))
			.hasMessageContaining("append-only");
	}

}
