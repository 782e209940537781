package dev.budgetledger.usage;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SpendMetricsIntegrationTests extends IntegrationTest {

	@Autowired
	private SpendMetrics metrics;

	private static final Pattern SPENT = Pattern
		.compile("(?m)^budget_ledger_budget_spent\\{budget=\"([^\"]*)\",unit=\"USD\"} (\\S+)$");

	@Test
	void theBiggestSpendersAreNamedTheRestSumUnderOtherAndNoIdAppears() {
		// Far above anything the other tests of this database spend, so it is among the
		// named roots.
		UUID biggest = createBudget(Map.of("name", "metrics biggest", "limit", "1000000"));
		settle(reserveAllowed(biggest, "900000"), Map.of("amount", "800000.5"));
		for (int i = 0; i < 22; i++) {
			UUID small = createBudget(Map.of("name", "metrics small " + i, "limit", "10"));
			settle(reserveAllowed(small, "1"), Map.of("amount", "0.01"));
		}
		Api.Response priced = this.api.post("/v1/reservations",
				Map.of("budgetId", biggest, "model", "gpt-4o", "inputTokens", 1000, "maxOutputTokens", 100));
		assertThat(priced.status()).as(priced.toString()).isEqualTo(201);
		settle(UUID.fromString(priced.text("id")), Map.of("inputTokens", 1000, "outputTokens", 100));

		this.metrics.refresh();
		String exposed = this.api.get("/actuator/prometheus").body();

		Map<String, Double> spent = new HashMap<>();
		Matcher rows = SPENT.matcher(exposed);
		while (rows.find()) {
			spent.put(rows.group(1), Double.parseDouble(rows.group(2)));
		}
		assertThat(spent).containsKey("metrics biggest").containsKey(SpendMetrics.OTHER);
		assertThat(spent.get("metrics biggest")).isCloseTo(800000.5 + 0.0035, within(1e-6));
		assertThat(spent.keySet()).as("named roots, bounded by max-budgets, and other")
			.hasSizeLessThanOrEqualTo(20 + 1);
		BigDecimal inDatabase = this.jdbc.sql("SELECT sum(spent) FROM budgets WHERE parent_id IS NULL AND unit = 'USD'")
			.query(BigDecimal.class)
			.single();
		assertThat(spent.values().stream().mapToDouble(Double::doubleValue).sum()).as("the sum stays right")
			.isCloseTo(inDatabase.doubleValue(), within(1e-6));
		assertThat(gauge(exposed, "budget_ledger_model_spend_24h{model=\"gpt-4o\",unit=\"USD\"}"))
			.as("gpt-4o is among the models that spent most")
			.isGreaterThanOrEqualTo(0.0035);
		assertThat(gauge(exposed, "budget_ledger_budget_limit{budget=\"metrics biggest\",unit=\"USD\"}"))
			.isEqualTo(1_000_000.0);
		assertThat(exposed).doesNotContain(biggest.toString());
	}

	private static double gauge(String exposed, String series) {
		Matcher value = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposed);
		assertThat(value.find()).as(series).isTrue();
		return Double.parseDouble(value.group(1));
	}

	@Test
	void theSpendDashboardQueriesOnlyMetricsTheServiceExposes() throws Exception {
		settle(reserveAllowed(createBudget("5"), "1"), Map.of("amount", "0.5"));
		this.metrics.refresh();
		String exposed = this.api.get("/actuator/prometheus").body();
		JsonNode dashboard = JsonMapper.builder()
			.build()
			.readTree(Files.readString(Path.of("ops/grafana/dashboards/budget-ledger-spend.json")));
		Set<String> queried = new TreeSet<>();
		Pattern metric = Pattern.compile("\\bbudget_ledger_[a-z0-9_]+");
		for (JsonNode panel : dashboard.get("panels")) {
			for (JsonNode target : panel.path("targets")) {
				metric.matcher(target.get("expr").asString()).results().forEach(match -> queried.add(match.group()));
			}
		}

		assertThat(queried).containsExactlyInAnyOrder("budget_ledger_budget_spent", "budget_ledger_budget_reserved",
				"budget_ledger_budget_limit", "budget_ledger_model_spend_24h");
		assertThat(queried).allSatisfy(name -> assertThat(exposed).as(name).containsPattern("(?m)^" + name + "[{ ]"));
	}

}
