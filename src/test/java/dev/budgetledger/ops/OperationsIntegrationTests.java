package dev.budgetledger.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

class OperationsIntegrationTests extends IntegrationTest {

	@Test
	void healthIncludesTheDatabase() {
		Api.Response health = this.api.get("/actuator/health");

		assertThat(health.status()).isEqualTo(200);
		assertThat(health.text("status")).isEqualTo("UP");
		assertThat(health.json().get("components").get("db").get("status").asString()).isEqualTo("UP");
	}

	@Test
	void infoNamesTheService() {
		Api.Response info = this.api.get("/actuator/info");

		assertThat(info.status()).isEqualTo(200);
		assertThat(info.json().get("app").get("name").asString()).isEqualTo("budget-ledger");
	}

	@Test
	void prometheusCountsDecisionsByReasonAndTimesSettlements() {
		String allow = "budget_ledger_reservations_total{decision=\"ALLOW\",reason=\"NONE\"}";
		String deny = "budget_ledger_reservations_total{decision=\"DENY\",reason=\"INSUFFICIENT_FUNDS\"}";
		String settles = "budget_ledger_settle_seconds_count";
		String before = this.api.get("/actuator/prometheus").body();
		UUID budget = createBudget("1.00");
		UUID hold = reserveAllowed(budget, "0.60");
		reserve(budget, "0.60");
		settle(hold, Map.of("amount", "0.10"));

		String after = this.api.get("/actuator/prometheus").body();

		assertThat(value(after, allow) - value(before, allow)).isEqualTo(1.0);
		assertThat(value(after, deny) - value(before, deny)).isEqualTo(1.0);
		assertThat(value(after, settles) - value(before, settles)).isEqualTo(1.0);
		assertThat(after).contains("budget_ledger_holds_expired_total");
	}

	/**
	 * A dashboard that queries a metric the service does not expose shows "No data" and
	 * nobody notices.
	 */
	@Test
	void theGrafanaDashboardQueriesOnlyMetricsTheServiceExposes() throws IOException {
		UUID budget = createBudget("1.00");
		settle(reserveAllowed(budget, "0.50"), Map.of("amount", "0.10"));
		String exposed = this.api.get("/actuator/prometheus").body();
		JsonNode dashboard = JsonMapper.builder()
			.build()
			.readTree(Files.readString(Path.of("ops/grafana/dashboards/budget-ledger.json")));
		Set<String> queried = new TreeSet<>();
		Pattern metric = Pattern.compile("\\b(?:budget_ledger|http_server|hikaricp|jvm)_[a-z_]+");
		for (JsonNode panel : dashboard.get("panels")) {
			for (JsonNode target : panel.path("targets")) {
				metric.matcher(target.get("expr").asString()).results().forEach(match -> queried.add(match.group()));
			}
		}

		assertThat(queried).hasSizeGreaterThan(10);
		assertThat(queried).allSatisfy(name -> assertThat(exposed).as(name).containsPattern("(?m)^" + name + "[{ ]"));
	}

	@Test
	void prometheusCountsOverrunsExpiriesSettledAmountsAndTimesReserves() {
		String overruns = "budget_ledger_overruns_total";
		String expired = "budget_ledger_holds_expired_total";
		String settledCount = "budget_ledger_settled_amount_count{currency=\"USD\"}";
		String settledSum = "budget_ledger_settled_amount_sum{currency=\"USD\"}";
		String reserves = "budget_ledger_reserve_seconds_count";
		String perCall = "budget_ledger_reservations_total{decision=\"DENY\",reason=\"PER_CALL_LIMIT\"}";
		String before = this.api.get("/actuator/prometheus").body();
		UUID budget = createBudget(Map.of("name", "metrics", "limit", "10", "maxAmountPerCall", "1"));
		// Twice the hold, the most a settle may charge by default; binary fractions, as
		// the summary sums doubles.
		settle(reserveAllowed(budget, "0.125"), Map.of("amount", "0.25"));
		settle(reserveAllowed(budget, "0.50"), Map.of("amount", "0.25"));
		reserveAllowed(budget, "0.10");
		assertThat(reserve(budget, "2").status()).isEqualTo(402);
		this.clock.advance(java.time.Duration.ofMinutes(11));
		expireAllDue();

		String after = this.api.get("/actuator/prometheus").body();

		assertThat(value(after, overruns) - value(before, overruns)).isEqualTo(1.0);
		assertThat(value(after, settledCount) - value(before, settledCount)).isEqualTo(2.0);
		assertThat(value(after, settledSum) - value(before, settledSum)).isCloseTo(0.5,
				org.assertj.core.data.Offset.offset(1e-9));
		assertThat(value(after, reserves) - value(before, reserves)).isEqualTo(4.0);
		assertThat(value(after, perCall) - value(before, perCall)).isEqualTo(1.0);
		assertThat(value(after, expired) - value(before, expired)).isGreaterThanOrEqualTo(1.0);
		assertThat(after).doesNotContain(budget.toString());
	}

	/** The sample's value, or 0 if the series does not exist yet. */
	private static double value(String metrics, String series) {
		return metrics.lines()
			.filter(line -> line.startsWith(series + " "))
			.mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
			.findFirst()
			.orElse(0);
	}

}
