package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.Concurrently;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Run caps (a reserve's runId; maxCallsPerRun, maxAmountPerRun) and minute windows
 * (maxRequestsPerMinute, maxTokensPerMinute), decided under the chain's row locks: exact
 * under concurrency, and kept equal to the reservations (invariant RUNS).
 */
class RunCapsAndMinuteWindowsIntegrationTests extends IntegrationTest {

	private Api.Response reserveForRun(UUID budget, String amount, String runId) {
		return this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", amount, "runId", runId));
	}

	private Map<String, Object> runUsage(UUID budget, String runId) {
		return this.jdbc.sql("SELECT calls, amount FROM run_usage WHERE budget_id = :id AND run_id = :run")
			.param("id", budget)
			.param("run", runId)
			.query()
			.singleRow();
	}

	private Api.Response release(UUID reservation) {
		return this.api.post("/v1/reservations/" + reservation + "/release", "");
	}

	/**
	 * Moves the test clock to just after the start of the next minute, so a test has
	 * almost a whole window before it rolls.
	 */
	private void startOfAMinute() {
		Instant now = this.clock.instant();
		Instant next = now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
		this.clock.advance(Duration.between(now, next).plusMillis(200));
	}

	@Test
	void aRunCapOfFiveAllowsExactlyFiveOfTwentyConcurrentReservesOfTheRunAndLeavesOtherRunsAlone() throws Exception {
		UUID budget = createBudget(Map.of("limit", "100", "maxCallsPerRun", 5));
		String run = "agent-loop-" + UUID.randomUUID();

		List<Api.Response> answers = Concurrently.run(20, 20, i -> reserveForRun(budget, "0.10", run));

		assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(5).allSatisfy(a -> {
			assertThat(a.text("runId")).isEqualTo(run);
			assertThat(reservation(UUID.fromString(a.text("id"))).text("runId")).isEqualTo(run);
		});
		assertThat(answers).filteredOn(a -> a.status() == 402).hasSize(15).allSatisfy(a -> {
			assertThat(a.text("reason")).isEqualTo("RUN_CALL_LIMIT");
			assertThat(a.text("runId")).isEqualTo(run);
			assertThat(a.text("limitingBudgetId")).isEqualTo(budget.toString());
			assertThat(a.text("detail")).contains(run);
			assertThat(a.header("Retry-After")).isEmpty();
		});
		assertThat(runUsage(budget, run)).containsEntry("calls", 5L);
		assertThat((BigDecimal) runUsage(budget, run).get("amount")).isEqualByComparingTo("0.50");
		// Another run, and a reserve naming none, are not held to this run's cap.
		assertThat(reserveForRun(budget, "0.10", "another-run").status()).isEqualTo(201);
		assertThat(reserve(budget, "0.10").status()).isEqualTo(201);
		// Releasing gives the amount back, not the call: the run has made its five.
		release(UUID.fromString(answers.stream().filter(a -> a.status() == 201).findFirst().orElseThrow().text("id")));
		assertThat(reserveForRun(budget, "0.10", run).text("reason")).isEqualTo("RUN_CALL_LIMIT");
		Api.Response shown = budget(budget);
		assertThat(shown.json().get("maxCallsPerRun").asLong()).isEqualTo(5);
		assertThat(shown.json().get("deniedCount").asLong()).isEqualTo(16);
		assertReconciled(budget, "0", "0.60");
		assertLedgerReconciled();
	}

	@Test
	void anAncestorsAmountPerRunIsExactAndAReleaseOrACheaperSettleGivesRoomBack() throws Exception {
		UUID team = createBudget(Map.of("limit", "100", "maxAmountPerRun", "1.00"));
		UUID agent = createBudget(Map.of("limit", "50", "parentId", team));
		String run = "run-" + UUID.randomUUID();

		UUID small = UUID.fromString(reserveForRun(agent, "0.40", run).text("id"));
		UUID large = UUID.fromString(reserveForRun(agent, "0.60", run).text("id"));
		Api.Response over = reserveForRun(agent, "0.000000000000000001", run);

		assertThat(over.status()).isEqualTo(402);
		assertThat(over.text("reason")).isEqualTo("RUN_AMOUNT_LIMIT");
		assertThat(over.text("limitingBudgetId")).isEqualTo(team.toString());
		assertThat(over.text("available")).isEqualTo("0.00");
		assertThat(over.text("runId")).isEqualTo(run);
		// Held plus charged: a release gives its hold back to the run ...
		assertThat(release(large).status()).isEqualTo(200);
		assertThat(reserveForRun(agent, "0.50", run).status()).isEqualTo(201);
		assertThat(reserveForRun(agent, "0.11", run).text("reason")).isEqualTo("RUN_AMOUNT_LIMIT");
		// ... and a settle below the hold the difference: 0.10 + 0.50 = 0.60 counted.
		assertThat(settle(small, Map.of("amount", "0.10")).status()).isEqualTo(200);
		assertThat((BigDecimal) runUsage(team, run).get("amount")).isEqualByComparingTo("0.60");
		assertThat((BigDecimal) runUsage(agent, run).get("amount")).isEqualByComparingTo("0.60");
		assertThat(reserveForRun(agent, "0.40", run).status()).isEqualTo(201);
		assertThat(reserveForRun(agent, "0.01", run).text("reason")).isEqualTo("RUN_AMOUNT_LIMIT");
		assertThat(runUsage(team, run)).containsEntry("calls", 4L);
		assertLedgerReconciled();

		// Exact under load: twenty concurrent reserves of 0.10 on a cap of 1.00.
		String busy = "busy-" + UUID.randomUUID();
		List<Api.Response> answers = Concurrently.run(20, 20, i -> reserveForRun(agent, "0.10", busy));

		assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(10);
		assertThat(answers).filteredOn(a -> a.status() == 402)
			.hasSize(10)
			.allSatisfy(a -> assertThat(a.text("reason")).isEqualTo("RUN_AMOUNT_LIMIT"));
		assertThat((BigDecimal) runUsage(team, busy).get("amount")).isEqualByComparingTo("1.00");
		assertReconciled(agent, "0.10", "1.90");
		assertLedgerReconciled();
	}

	@Test
	void anExpiredHoldGivesItsAmountBackToTheRunAndALateSettleChargesIt() {
		UUID budget = createBudget(Map.of("limit", "10", "maxAmountPerRun", "1.00"));
		String run = "run-" + UUID.randomUUID();
		UUID held = UUID.fromString(this.api
			.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00", "runId", run, "ttlSeconds", 1))
			.text("id"));
		this.clock.advance(Duration.ofSeconds(5));
		assertThat(expireAllDue()).isGreaterThanOrEqualTo(1);

		assertThat((BigDecimal) runUsage(budget, run).get("amount")).isEqualByComparingTo("0");
		assertThat(settle(held, Map.of("amount", "0.30")).status()).isEqualTo(200);
		assertThat((BigDecimal) runUsage(budget, run).get("amount")).isEqualByComparingTo("0.30");
		assertThat(reserveForRun(budget, "0.70", run).status()).isEqualTo(201);
		assertThat(reserveForRun(budget, "0.01", run).text("reason")).isEqualTo("RUN_AMOUNT_LIMIT");
		assertLedgerReconciled();
	}

	@Test
	void aHoldGrowsWithinItsRunsAmountAndAShrinkGivesRoomBack() {
		UUID budget = createBudget(Map.of("limit", "10", "maxAmountPerRun", "1.00"));
		String run = "run-" + UUID.randomUUID();
		UUID held = UUID.fromString(reserveForRun(budget, "0.50", run).text("id"));

		Api.Response tooMuch = this.api.post("/v1/reservations/" + held + "/extend", Map.of("amount", "1.01"));
		Api.Response grown = this.api.post("/v1/reservations/" + held + "/extend", Map.of("amount", "0.90"));
		Api.Response shrunk = this.api.post("/v1/reservations/" + held + "/extend", Map.of("amount", "0.20"));

		assertThat(tooMuch.status()).isEqualTo(402);
		assertThat(tooMuch.text("reason")).isEqualTo("RUN_AMOUNT_LIMIT");
		assertThat(tooMuch.text("runId")).isEqualTo(run);
		assertThat(grown.status()).as(grown.toString()).isEqualTo(200);
		assertThat(shrunk.status()).as(shrunk.toString()).isEqualTo(200);
		assertThat((BigDecimal) runUsage(budget, run).get("amount")).isEqualByComparingTo("0.20");
		assertThat(reserveForRun(budget, "0.80", run).status()).isEqualTo(201);
		assertThat(reserveForRun(budget, "0.01", run).text("reason")).isEqualTo("RUN_AMOUNT_LIMIT");
		assertLedgerReconciled();
	}

	@Test
	void aMinuteCapAllowsExactlyItsRequestsUnderConcurrentLoadAndAgainInTheNextWindow() throws Exception {
		UUID budget = createBudget(Map.of("limit", "100", "maxRequestsPerMinute", 7));
		startOfAMinute();

		List<Api.Response> answers = Concurrently.run(30, 30, i -> reserve(budget, "0.01"));

		assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(7);
		assertThat(answers).filteredOn(a -> a.status() == 402).hasSize(23).allSatisfy(a -> {
			assertThat(a.text("reason")).isEqualTo("REQUEST_RATE_LIMIT");
			long retryAfter = Long.parseLong(a.header("Retry-After").orElseThrow());
			assertThat(retryAfter).isBetween(1L, 60L);
			assertThat(a.json().get("retryAfterSeconds").asLong()).isEqualTo(retryAfter);
		});
		Api.Response dryRun = this.api.post("/v1/decisions", Map.of("budgetId", budget, "amount", "0.01"));
		assertThat(dryRun.text("reason")).isEqualTo("REQUEST_RATE_LIMIT");
		assertThat(Long.parseLong(dryRun.header("Retry-After").orElseThrow())).isBetween(1L, 60L);

		// The next window: seven again, and again exactly seven under load.
		this.clock.advance(Duration.ofMinutes(1));
		List<Api.Response> next = Concurrently.run(12, 12, i -> reserve(budget, "0.01"));

		assertThat(next).filteredOn(a -> a.status() == 201).hasSize(7);
		assertThat(next).filteredOn(a -> a.status() == 402).hasSize(5);
		assertReconciled(budget, "0", "0.14");
		assertLedgerReconciled();
	}

	@Test
	void aTokenCapPerMinuteCountsWhatIsHeldAndSaysWhenWaitingWouldNotHelp() {
		String model = "rpm-" + UUID.randomUUID();
		Api.Response price = this.api.put("/v1/prices/" + model,
				Map.of("inputPerMillion", "1", "outputPerMillion", "10", "currency", "USD"));
		assertThat(price.status()).as(price.toString()).isEqualTo(201);
		UUID team = createBudget(Map.of("limit", "100", "maxTokensPerMinute", 5000));
		UUID agent = createBudget(Map.of("limit", "100", "parentId", team));
		startOfAMinute();

		assertThat(reserveTokens(agent, model, 1000, 1000).status()).isEqualTo(201);
		assertThat(reserveTokens(agent, model, 1000, 1000).status()).isEqualTo(201);
		Api.Response full = reserveTokens(agent, model, 1000, 1000);
		// A reserve by amount names no tokens and counts none; requests are not capped
		// here.
		assertThat(reserve(agent, "0.01").status()).isEqualTo(201);
		Api.Response fits = reserveTokens(agent, model, 500, 500);
		Api.Response never = reserveTokens(agent, model, 3000, 3000);

		assertThat(full.text("reason")).isEqualTo("TOKEN_RATE_LIMIT");
		assertThat(full.text("limitingBudgetId")).isEqualTo(team.toString());
		assertThat(Long.parseLong(full.header("Retry-After").orElseThrow())).isBetween(1L, 60L);
		assertThat(fits.status()).isEqualTo(201);
		assertThat(never.text("reason")).isEqualTo("TOKEN_RATE_LIMIT");
		assertThat(never.header("Retry-After")).isEmpty();
		assertThat(never.json().get("retryAfterSeconds")).isNull();
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(reserveTokens(agent, model, 1000, 1000).status()).isEqualTo(201);
		assertLedgerReconciled();
	}

	private Api.Response reserveTokens(UUID budget, String model, long input, long maxOutput) {
		Map<String, Object> body = new HashMap<>(
				Map.of("budgetId", budget, "model", model, "inputTokens", input, "maxOutputTokens", maxOutput));
		return this.api.post("/v1/reservations", body);
	}

	@Test
	void usageGroupsSpendByRun() {
		UUID budget = createBudget("10");
		Instant from = this.clock.instant().minusSeconds(1);
		settle(UUID.fromString(reserveForRun(budget, "1.00", "alpha").text("id")), Map.of("amount", "0.70"));
		settle(UUID.fromString(reserveForRun(budget, "1.00", "alpha").text("id")), Map.of("amount", "0.20"));
		settle(UUID.fromString(reserveForRun(budget, "1.00", "beta").text("id")), Map.of("amount", "0.40"));
		settle(reserveAllowed(budget, "1.00"), Map.of("amount", "0.05"));
		assertThat(reserveForRun(budget, "20.00", "beta").status()).isEqualTo(402);
		Instant to = this.clock.instant().plusSeconds(1);

		Api.Response report = this.api.get("/v1/budgets/" + budget + "/usage?groupBy=run&from=" + from + "&to=" + to);

		assertThat(report.status()).as(report.toString()).isEqualTo(200);
		List<String> keys = new ArrayList<>();
		List<String> spends = new ArrayList<>();
		report.json().get("groups").forEach(group -> {
			keys.add(group.get("key").asString());
			spends.add(group.get("spend").asString());
		});
		assertThat(keys).containsExactly("alpha", "beta", "(none)");
		assertThat(spends).containsExactly("0.90", "0.40", "0.05");
		assertThat(report.json().get("groups").get(1).get("callsDenied").asLong())
			.as("a denied call of run beta counts under beta")
			.isEqualTo(1);
		assertThat(
				this.api.get("/v1/budgets/" + budget + "/denials").json().get("items").get(0).get("runId").asString())
			.isEqualTo("beta");
	}

	@Test
	void capsAreSetShownAndRemovedByPatch() {
		UUID budget = createBudget("10");
		Map<String, Object> caps = new LinkedHashMap<>();
		caps.put("maxCallsPerRun", 3);
		caps.put("maxAmountPerRun", "2.5");
		caps.put("maxRequestsPerMinute", 60);
		caps.put("maxTokensPerMinute", 90000);

		Api.Response patched = this.api.patch("/v1/budgets/" + budget, caps);

		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
		assertThat(patched.json().get("maxCallsPerRun").asLong()).isEqualTo(3);
		assertThat(patched.text("maxAmountPerRun")).isEqualTo("2.50");
		assertThat(patched.json().get("maxRequestsPerMinute").asLong()).isEqualTo(60);
		assertThat(patched.json().get("maxTokensPerMinute").asLong()).isEqualTo(90000);
		Map<String, Object> removed = new HashMap<>();
		removed.put("maxAmountPerRun", null);
		removed.put("maxTokensPerMinute", null);
		Api.Response after = this.api.patch("/v1/budgets/" + budget, removed);
		assertThat(after.json().get("maxAmountPerRun")).isNull();
		assertThat(after.json().get("maxTokensPerMinute")).isNull();
		assertThat(after.json().get("maxCallsPerRun").asLong()).isEqualTo(3);
		assertThat(budget(budget).json().get("maxRequestsPerMinute").asLong()).isEqualTo(60);
	}

}
