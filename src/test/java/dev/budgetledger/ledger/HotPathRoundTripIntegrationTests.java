package dev.budgetledger.ledger;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;
import dev.budgetledger.support.RoundTrips;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Pins how many times a reserve and a settle talk to PostgreSQL (the writes are one call
 * of ledger_write, V10), so the hot path cannot silently grow a round trip. If a change
 * needs one more, change the figure here and say why in the commit. A key is looked up on
 * its first request only (security.KeyCache). Each figure is taken once the key is served
 * from the cache: a revocation made by an earlier test reaches the cache by NOTIFY at a
 * moment of its own, and a lookup under way then is not cached (the cache's generation
 * guard), so one earlier request does not always leave the key cached. Waiting for a
 * cached request first keeps the count about the hot path alone.
 */
@Import(RoundTrips.class)
class HotPathRoundTripIntegrationTests extends IntegrationTest {

	/**
	 * A reserve priced by model: lock, write, commit (5 before the catalog was held in
	 * memory: a query and a commit).
	 */
	static final int ROUND_TRIPS_MODEL = 3;

	/**
	 * With a fallback model and an Idempotency-Key: lock, the key's advisory lock, its
	 * lookup, its insert, write, commit (10 before the catalog was held in memory: a
	 * query and a commit per model).
	 */
	static final int ROUND_TRIPS_MODEL_FALLBACK_IDEMPOTENT = 6;

	@Autowired
	RoundTrips roundTrips;

	@Test
	void aReserveIsThreeRoundTripsLockWriteCommit() {
		UUID budget = createBudget("100");
		awaitCached(this.api, budget);

		List<String> calls = count(() -> reserveAllowed(budget, "1.00"));

		assertThat(calls).as(String.join("\n", calls)).hasSize(3);
		assertThat(calls.get(0)).contains("FOR UPDATE");
		assertThat(calls.get(1)).contains("ledger_write");
		assertThat(calls.get(2)).isEqualTo("commit");
	}

	@Test
	void aReserveForASubjectWhoseBudgetExistsIsThreeRoundTripsAsAnyReserve() {
		UUID parent = createBudget(Map.of("limit", "100", "childTemplate", Map.of("limit", "10", "period", "DAILY")));
		Map<String, Object> body = Map.of("budgetId", parent, "subject", "user-1", "amount", "1.00");
		// The first makes the subject's budget; the next finds it and remembers it.
		assertThat(this.api.post("/v1/reservations", body).status()).isEqualTo(201);
		assertThat(this.api.post("/v1/reservations", body).status()).isEqualTo(201);
		awaitCached(this.api, parent);

		List<String> calls = count(() -> assertThat(this.api.post("/v1/reservations", body).status()).isEqualTo(201));

		assertThat(calls).as(String.join("\n", calls)).hasSize(3);
		assertThat(calls.get(0)).contains("FOR UPDATE");
	}

	@Test
	void aModelPricedReserveIsThreeRoundTripsTooPricesAreInMemory() {
		UUID budget = createBudget("100");
		awaitCached(this.api, budget);

		List<String> calls = count(() -> {
			Api.Response reserved = this.api.post("/v1/reservations",
					Map.of("budgetId", budget, "model", "gpt-4o", "inputTokens", 1000, "maxOutputTokens", 500));
			assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
		});

		assertThat(calls).as(String.join("\n", calls)).hasSize(ROUND_TRIPS_MODEL);
	}

	@Test
	void aReserveWithAFallbackModelAndAnIdempotencyKeyIsPinnedToo() {
		UUID budget = createBudget("100");
		awaitCached(this.api, budget);

		List<String> calls = count(() -> {
			Api.Response reserved = this.api.post("/v1/reservations",
					Map.of("budgetId", budget, "model", "gpt-4o", "fallbackModels", List.of("gpt-4o-mini"),
							"inputTokens", 1000, "maxOutputTokens", 500),
					"Idempotency-Key", UUID.randomUUID().toString());
			assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
		});

		assertThat(calls).as(String.join("\n", calls)).hasSize(ROUND_TRIPS_MODEL_FALLBACK_IDEMPOTENT);
	}

	@Test
	void aSettleIsFourRoundTripsTwoLocksWriteCommit() {
		UUID budget = createBudget("100");
		UUID hold = reserveAllowed(budget, "1.00");
		awaitCached(this.api, budget);

		List<String> calls = count(() -> {
			Api.Response settled = settle(hold, Map.of("amount", "0.40"));
			assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
		});

		assertThat(calls).as(String.join("\n", calls)).hasSize(4);
		assertThat(calls.get(0)).contains("FROM reservations").contains("FOR UPDATE");
		assertThat(calls.get(1)).contains("FROM budgets").contains("FOR UPDATE");
		assertThat(calls.get(2)).contains("ledger_write");
		assertThat(calls.get(3)).isEqualTo("commit");
		assertReconciled(budget, "0.40", "0");
	}

	@Test
	void aScopedClientKeyPaysNoExtraRoundTripForItsScope() {
		UUID budget = createBudget("100");
		Api client = this.api.as(clientKey(budget));

		List<String> reserve = count(
				() -> assertThat(client.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00")).status())
					.isEqualTo(201));
		UUID hold = this.jdbc.sql("SELECT id FROM reservations WHERE budget_id = :id")
			.param("id", budget)
			.query(UUID.class)
			.single();
		awaitCached(client, budget);
		List<String> settle = count(
				() -> assertThat(client.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "1.00")).status())
					.isEqualTo(200));

		// The key's first request looks it up; once cached, its scope costs nothing more.
		assertThat(reserve).as(String.join("\n", reserve)).hasSize(4);
		assertThat(reserve.get(0)).contains("FROM api_keys");
		assertThat(settle).as(String.join("\n", settle)).hasSize(4);
		assertThat(settle).noneMatch(call -> call.contains("api_keys"));
	}

	/**
	 * Reads the budget with this key until one request finds the key in the cache (a few
	 * at most).
	 */
	private void awaitCached(Api api, UUID budget) {
		for (int attempt = 0; attempt < 20; attempt++) {
			List<String> calls = count(() -> assertThat(api.get("/v1/budgets/" + budget).status()).isEqualTo(200));
			if (calls.stream().noneMatch(call -> call.contains("api_keys"))) {
				return;
			}
		}
		fail("The key was never served from the key cache");
	}

	private List<String> count(Runnable request) {
		this.roundTrips.reset();
		request.run();
		return this.roundTrips.calls();
	}

}
