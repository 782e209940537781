package dev.budgetledger.ledger.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

class ReservationListIntegrationTests extends IntegrationTest {

	@Test
	void reservationsOfASubtreeAreListedNewestFirstByStatusAndPaged() {
		UUID parent = createBudget("100");
		UUID child = createBudget(Map.of("limit", "50", "parentId", parent));
		UUID elsewhere = createBudget("100");
		reserveAllowed(elsewhere, "1");
		List<String> newestFirst = new ArrayList<>();
		List<String> settled = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			UUID hold = reserveAllowed((i % 2 == 0) ? child : parent, "1");
			newestFirst.add(0, hold.toString());
			if (i % 2 == 1) {
				settle(hold, Map.of("amount", "0.5"));
				settled.add(0, hold.toString());
			}
		}

		assertThat(all("/v1/reservations?limit=2&budgetId=" + parent)).isEqualTo(newestFirst);
		assertThat(all("/v1/reservations?status=SETTLED&budgetId=" + parent)).isEqualTo(settled);
		assertThat(all("/v1/reservations?status=HELD&budgetId=" + child)).hasSize(3);
		JsonNode first = this.api.get("/v1/reservations?budgetId=" + parent).json().get("items").get(0);
		assertThat(first.get("id").asString()).isEqualTo(newestFirst.get(0));
		assertThat(first.get("status").asString()).isEqualTo("HELD");
		assertThat(first.get("amount").asString()).isEqualTo("1.00");
	}

	@Test
	void withoutABudgetAnAdminSeesEveryTreeAndABoundKeyOnlyItsOwn() {
		UUID one = createBudget("10");
		UUID other = createBudget("10");
		UUID inOne = reserveAllowed(one, "1");
		UUID inOther = reserveAllowed(other, "1");

		List<String> newest = ids(this.api.get("/v1/reservations?status=HELD&limit=200"));
		List<String> bound = all(this.api.as(clientKey(one)), "/v1/reservations?status=HELD");

		assertThat(newest).startsWith(inOther.toString(), inOne.toString());
		assertThat(bound).containsExactly(inOne.toString());
	}

	@Test
	void theStatusMustBeOneAndTheBudgetMustExist() {
		UUID budget = createBudget("10");

		// Breaks the contract on purpose; the answer is still checked.
		Api.Response badStatus = this.api.offContract().get("/v1/reservations?budgetId=" + budget + "&status=LOST");
		Api.Response unknown = this.api.get("/v1/reservations?budgetId=" + UUID.randomUUID());

		assertThat(badStatus.status()).isEqualTo(400);
		assertThat(badStatus.text("code")).isEqualTo("VALIDATION_FAILED");
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(unknown.text("code")).isEqualTo("BUDGET_NOT_FOUND");
	}

	private List<String> all(String path) {
		return all(this.api, path);
	}

	private static List<String> all(Api api, String path) {
		List<String> ids = new ArrayList<>();
		String cursor = null;
		do {
			Api.Response response = api.get(path + ((cursor != null) ? "&cursor=" + cursor : ""));
			ids.addAll(ids(response));
			JsonNode page = response.json();
			cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
		}
		while (cursor != null);
		return ids;
	}

	private static List<String> ids(Api.Response response) {
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		List<String> ids = new ArrayList<>();
		response.json().get("items").forEach(item -> ids.add(item.get("id").asString()));
		return ids;
	}

}
