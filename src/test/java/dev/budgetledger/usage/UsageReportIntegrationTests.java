package dev.budgetledger.usage;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

class UsageReportIntegrationTests extends IntegrationTest {

	private static final String[] MODELS = { "gpt-4o", "gpt-5-mini" };

	/**
	 * A seeded random workload over a small tree (reserves by amount and by model,
	 * settlements under and over the hold, releases, expiries, denials, days apart), then
	 * every figure of the report is compared with a sum taken straight from
	 * journal_entries, reservations and what the test itself saw.
	 */
	@Test
	void reportMatchesTheJournalToTheLastDigitAfterARandomWorkload() {
		Random random = new Random(20261123L);
		UUID root = createBudget(Map.of("name", "org", "limit", "40"));
		UUID teamA = createBudget(Map.of("name", "team, \"A\"", "limit", "25", "parentId", root));
		UUID teamB = createBudget(Map.of("name", "team B", "limit", "10", "parentId", root, "maxAmountPerCall", "0.9"));
		UUID agent = createBudget(Map.of("name", "agent of A", "limit", "5", "parentId", teamA));
		List<UUID> leaves = List.of(root, teamA, teamB, agent);
		Instant from = this.clock.instant().truncatedTo(ChronoUnit.MICROS);

		Map<UUID, Integer> allowedBy = new HashMap<>();
		int denied = 0;
		int overruns = 0;
		long inputTokens = 0;
		long outputTokens = 0;
		BigDecimal charged = BigDecimal.ZERO;
		for (int i = 0; i < 80; i++) {
			UUID leaf = leaves.get(random.nextInt(leaves.size()));
			boolean byModel = random.nextBoolean();
			Api.Response reserve = byModel
					? this.api.post("/v1/reservations",
							Map.of("budgetId", leaf, "model", MODELS[random.nextInt(2)], "inputTokens",
									1 + random.nextInt(50_000), "maxOutputTokens", 1 + random.nextInt(20_000)))
					: reserve(leaf, new BigDecimal(1 + random.nextInt(1_500_000)).movePointLeft(6).toPlainString());
			if (reserve.status() == 402) {
				denied++;
				continue;
			}
			assertThat(reserve.status()).as(reserve.toString()).isEqualTo(201);
			allowedBy.merge(leaf, 1, Integer::sum);
			UUID hold = UUID.fromString(reserve.text("id"));
			BigDecimal amount = reserve.amount("amount");
			int fate = random.nextInt(10);
			if (fate < 6) {
				Api.Response settled;
				if (byModel) {
					long in = random.nextInt(60_000);
					long out = random.nextInt(25_000);
					// Random usage may run far past the hold; the report, not the overrun
					// ceiling, is under test.
					settled = settle(hold, Map.of("inputTokens", in, "outputTokens", out, "allowOverrun", true));
					inputTokens += in;
					outputTokens += out;
				}
				else {
					BigDecimal actual = amount.multiply(new BigDecimal(random.nextInt(130)))
						.movePointLeft(2)
						.setScale(6, java.math.RoundingMode.DOWN);
					settled = settle(hold, Map.of("amount", actual.toPlainString()));
				}
				assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
				BigDecimal actual = settled.amount("charged");
				charged = charged.add(actual);
				if (actual.compareTo(amount) > 0) {
					overruns++;
				}
			}
			else if (fate < 8) {
				assertThat(this.api.post("/v1/reservations/" + hold + "/release", "").status()).isEqualTo(200);
			}
			if (random.nextInt(8) == 0) {
				this.clock.advance(Duration.ofHours(7));
			}
		}
		this.clock.advance(Duration.ofMinutes(11));
		expireAllDue();
		Instant to = this.clock.instant().plusSeconds(1);
		int allowed = allowedBy.values().stream().mapToInt(Integer::intValue).sum();

		JsonNode byChild = report(root, from, to, "child");
		JsonNode total = byChild.get("total");
		BigDecimal journalSpend = journalSpend(root, from, to);
		assertThat(new BigDecimal(total.get("spend").asString())).isEqualByComparingTo(journalSpend)
			.isEqualByComparingTo(charged)
			.isEqualByComparingTo(budget(root).amount("spent"));
		assertThat(total.get("callsAllowed").asLong()).isEqualTo(allowed);
		assertThat(total.get("callsDenied").asLong()).isEqualTo(denied).isPositive();
		assertThat(total.get("overruns").asLong()).isEqualTo(overruns).isPositive();
		assertThat(total.get("inputTokens").asLong()).isEqualTo(inputTokens);
		assertThat(total.get("outputTokens").asLong()).isEqualTo(outputTokens);

		Map<String, JsonNode> children = byKey(byChild);
		assertThat(children.keySet()).containsExactly(root.toString(), teamA.toString(), teamB.toString());
		assertThat(children.get(teamA.toString()).get("label").asString()).isEqualTo("team, \"A\"");
		assertThat(children.get(root.toString()).get("label").asString()).isEqualTo("org");
		for (UUID child : List.of(teamA, teamB)) {
			assertThat(new BigDecimal(children.get(child.toString()).get("spend").asString())).as("spend of " + child)
				.isEqualByComparingTo(journalSpend(child, from, to));
		}
		assertThat(new BigDecimal(children.get(root.toString()).get("spend").asString()))
			.isEqualByComparingTo(chargedDirectlyOn(root));
		assertThat(children.get(teamA.toString()).get("callsAllowed").asLong())
			.isEqualTo(allowedBy.getOrDefault(teamA, 0) + allowedBy.getOrDefault(agent, 0));
		assertThat(children.get(teamB.toString()).get("callsDenied").asLong()).isEqualTo(deniedCount(teamB));

		for (String groupBy : List.of("day", "model")) {
			JsonNode report = report(root, from, to, groupBy);
			BigDecimal sum = BigDecimal.ZERO;
			long calls = 0;
			for (JsonNode group : report.get("groups")) {
				sum = sum.add(new BigDecimal(group.get("spend").asString()));
				calls += group.get("callsAllowed").asLong() + group.get("callsDenied").asLong();
			}
			assertThat(sum).as(groupBy).isEqualByComparingTo(journalSpend);
			assertThat(calls).as(groupBy).isEqualTo(allowed + denied);
			assertThat(report.get("total")).as(groupBy).isEqualTo(total);
		}
		Map<String, JsonNode> models = byKey(report(root, from, to, "model"));
		assertThat(models.keySet()).containsExactlyInAnyOrder("gpt-4o", "gpt-5-mini", "unpriced");

		JsonNode teamReport = report(teamA, from, to, "child");
		assertThat(new BigDecimal(teamReport.get("total").get("spend").asString()))
			.isEqualByComparingTo(journalSpend(teamA, from, to));
		assertThat(byKey(teamReport).get(agent.toString()).get("label").asString()).isEqualTo("agent of A");
		assertLedgerReconciled();
	}

	@Test
	void theReportShowsTheBudgetFiguresAndTheAverageCostPerSettledCall() {
		UUID budget = createBudget(Map.of("name", "finance", "limit", "10.00"));
		Instant from = this.clock.instant().minusSeconds(1);
		settle(reserveAllowed(budget, "1.00"), Map.of("amount", "0.10"));
		settle(reserveAllowed(budget, "1.00"), Map.of("amount", "0.25"));
		settle(reserveAllowed(budget, "0.50"), Map.of("amount", "0.60"));
		reserveAllowed(budget, "2.00");
		assertThat(reserve(budget, "100").status()).isEqualTo(402);

		JsonNode report = report(budget, from, this.clock.instant().plusSeconds(1), "model");

		assertThat(report.get("budgetId").asString()).isEqualTo(budget.toString());
		assertThat(report.get("unit").asString()).isEqualTo("USD");
		assertThat(report.get("currency").asString()).isEqualTo("USD");
		assertThat(report.get("groupBy").asString()).isEqualTo("model");
		assertThat(report.get("limit").asString()).isEqualTo("10.00");
		assertThat(report.get("spent").asString()).isEqualTo("0.95");
		assertThat(report.get("reserved").asString()).isEqualTo("2.00");
		assertThat(report.get("remaining").asString()).isEqualTo("7.05");
		JsonNode group = report.get("groups").get(0);
		assertThat(report.get("groups")).hasSize(1);
		assertThat(group.get("key").asString()).isEqualTo("unpriced");
		assertThat(group.get("spend").asString()).isEqualTo("0.95");
		assertThat(group.get("callsAllowed").asLong()).isEqualTo(4);
		assertThat(group.get("callsDenied").asLong()).isEqualTo(1);
		assertThat(group.get("overruns").asLong()).isEqualTo(1);
		assertThat(group.get("averageCostPerCall").asString()).isEqualTo("0.316666666666666667");
	}

	@Test
	void tokenBudgetsReportWholeTokens() {
		UUID money = createBudget(Map.of("name", "money", "limit", "100"));
		UUID tokens = createBudget(Map.of("name", "tokens", "unit", "TOKENS", "limit", "1000000", "parentId", money));
		Instant from = this.clock.instant().minusSeconds(1);
		for (long out : new long[] { 100, 201 }) {
			Api.Response hold = this.api.post("/v1/reservations",
					Map.of("budgetId", tokens, "model", "gpt-4o", "inputTokens", 1000, "maxOutputTokens", 500));
			assertThat(hold.status()).as(hold.toString()).isEqualTo(201);
			settle(UUID.fromString(hold.text("id")), Map.of("inputTokens", 1000, "outputTokens", out));
		}

		JsonNode report = report(tokens, from, this.clock.instant().plusSeconds(1), "model");

		assertThat(report.get("unit").asString()).isEqualTo("TOKENS");
		assertThat(report.get("currency").isNull()).isTrue();
		assertThat(report.get("spent").asString()).isEqualTo("2301");
		assertThat(report.get("total").get("spend").asString()).isEqualTo("2301");
		assertThat(report.get("total").get("averageCostPerCall").asString()).isEqualTo("1150");
		assertThat(report.get("total").get("inputTokens").asLong() + report.get("total").get("outputTokens").asLong())
			.isEqualTo(2301);
	}

	@Test
	void daysAreTheBudgetsOwnCalendarDays() {
		// Fourteen hours ahead of UTC and eleven behind: the same instant is never the
		// same date in both.
		UUID east = createBudget(Map.of("name", "east", "limit", "10", "timezone", "Pacific/Kiritimati"));
		UUID west = createBudget(Map.of("name", "west", "limit", "10", "timezone", "Pacific/Pago_Pago"));
		UUID eastHold = reserveAllowed(east, "1");
		UUID westHold = reserveAllowed(west, "1");
		settle(eastHold, Map.of("amount", "0.40"));
		settle(westHold, Map.of("amount", "0.40"));
		Instant settledAt = Instant.parse(reservation(eastHold).text("finishedAt"));
		Instant from = settledAt.minus(Duration.ofDays(2));
		Instant to = settledAt.plus(Duration.ofDays(2));

		for (var budget : Map.of(east, "Pacific/Kiritimati", west, "Pacific/Pago_Pago").entrySet()) {
			JsonNode report = report(budget.getKey(), from, to, "day");
			String day = settledAt.atZone(ZoneId.of(budget.getValue())).toLocalDate().toString();
			Map<String, JsonNode> days = byKey(report);
			assertThat(days).hasSizeBetween(4, 5);
			assertThat(days.get(day).get("spend").asString()).as(budget.getValue()).isEqualTo("0.40");
			assertThat(days.values().stream().filter(g -> !g.get("spend").asString().equals("0.00"))).hasSize(1);
		}
	}

	@Test
	void withoutARangeTheReportCoversTheCurrentPeriodUntilNow() {
		UUID budget = createBudget(Map.of("name", "monthly", "limit", "10", "period", "MONTHLY"));
		Instant before = this.clock.instant().truncatedTo(ChronoUnit.MICROS);

		Api.Response report = this.api.get("/v1/budgets/" + budget + "/usage");

		assertThat(report.status()).as(report.toString()).isEqualTo(200);
		assertThat(report.text("from")).isEqualTo(budget(budget).text("periodStart"));
		assertThat(Instant.parse(report.text("to"))).isBetween(before, this.clock.instant());
		assertThat(report.text("groupBy")).isEqualTo("day");
	}

	@Test
	void csvHasTheSameGroupsAndASpreadsheetReadsItBack() {
		UUID root = createBudget(Map.of("name", "org", "limit", "10"));
		UUID quoted = createBudget(Map.of("name", "R&D, \"labs\"", "limit", "5", "parentId", root));
		UUID formula = createBudget(Map.of("name", "=HYPERLINK(\"x\")", "limit", "5", "parentId", root));
		settle(reserveAllowed(quoted, "1"), Map.of("amount", "0.123456"));
		settle(reserveAllowed(formula, "1"), Map.of("amount", "0.5"));
		Instant from = this.clock.instant().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
		Instant to = this.clock.instant().plusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
		String query = "/v1/budgets/" + root + "/usage?groupBy=child&from=" + from + "&to=" + to;

		Api.Response csv = this.api.send("GET", query, null, "", "Accept", "text/csv");
		JsonNode json = this.api.get(query).json();

		assertThat(csv.status()).as(csv.toString()).isEqualTo(200);
		assertThat(csv.contentType()).startsWith("text/csv");
		assertThat(csv.header("Content-Disposition"))
			.hasValueSatisfying(value -> assertThat(value).startsWith("attachment")
				.contains("filename=\"usage-" + root + "-" + compact(from) + "-" + compact(to) + ".csv\""));
		assertThat(csv.body()).endsWith("\r\n").doesNotContain("\r\r").doesNotContainPattern("[^\r]\n");
		List<List<String>> rows = parseCsv(csv.body());
		assertThat(rows.get(0)).containsExactly("key", "label", "spend", "inputTokens", "outputTokens", "callsAllowed",
				"callsDenied", "overruns", "averageCostPerCall", "charges");
		assertThat(rows).hasSize(json.get("groups").size() + 1);
		for (int i = 0; i < json.get("groups").size(); i++) {
			JsonNode group = json.get("groups").get(i);
			List<String> row = rows.get(i + 1);
			assertThat(row).hasSize(10);
			assertThat(row.get(0)).isEqualTo(group.get("key").asString());
			assertThat(row.get(2)).isEqualTo(group.get("spend").asString());
			assertThat(row.get(5)).isEqualTo(group.get("callsAllowed").asString());
			assertThat(row.get(8)).isEqualTo(group.get("averageCostPerCall").asString());
			assertThat(row.get(9)).isEqualTo(group.get("charges").asString());
		}
		assertThat(rows.get(1)).containsExactly(quoted.toString(), "R&D, \"labs\"", "0.123456", "0", "0", "1", "0", "0",
				"0.123456", "0");
		assertThat(rows.get(2).get(1)).as("a name a spreadsheet would run as a formula is kept as text")
			.isEqualTo("'=HYPERLINK(\"x\")");
	}

	@Test
	void badRangesAndGroupingsAreRejectedAsProblems() {
		UUID budget = createBudget("10");
		Instant now = this.clock.instant();
		String base = "/v1/budgets/" + budget + "/usage?";
		List<String> bad = List.of("from=" + now + "&to=" + now, "from=" + now + "&to=" + now.minusSeconds(1),
				"from=" + now.minus(Duration.ofDays(367)) + "&to=" + now, "groupBy=week", "groupBy=DAY",
				"from=yesterday", "to=" + enc("2026-11-01T00:00:00+01:00x"));
		for (String query : bad) {
			for (String accept : List.of("application/json", "text/csv")) {
				// Most of these break the contract on purpose; the answers are still
				// checked.
				Api.Response response = this.api.offContract().send("GET", base + query, null, "", "Accept", accept);
				assertThat(response.status()).as(query + " " + accept + " " + response).isEqualTo(400);
				assertThat(response.contentType()).startsWith("application/problem+json");
				assertThat(response.text("code")).isEqualTo("VALIDATION_FAILED");
			}
		}
		assertThat(this.api.get("/v1/budgets/" + UUID.randomUUID() + "/usage").text("code"))
			.isEqualTo("BUDGET_NOT_FOUND");
		Api.Response offset = this.api
			.get(base + "from=" + enc("2026-11-01T00:00:00+01:00") + "&to=" + enc("2026-11-02T00:00:00+01:00"));
		assertThat(offset.status()).as(offset.toString()).isEqualTo(200);
		assertThat(offset.text("from")).isEqualTo("2026-10-31T23:00:00Z");
	}

	@Test
	void aClientKeySeesTheUsageOfItsOwnSubtreeOnly() {
		UUID mine = createBudget("10");
		UUID child = createBudget(Map.of("limit", "5", "parentId", mine));
		UUID other = createBudget("10");
		Api client = this.api.as(clientKey(mine));

		assertThat(client.get("/v1/budgets/" + mine + "/usage").status()).isEqualTo(200);
		assertThat(client.get("/v1/budgets/" + child + "/usage?groupBy=model").status()).isEqualTo(200);
		Api.Response outside = client.get("/v1/budgets/" + other + "/usage");
		assertThat(outside.status()).isEqualTo(404);
		assertThat(outside.text("code")).isEqualTo("BUDGET_NOT_FOUND");
	}

	private JsonNode report(UUID budget, Instant from, Instant to, String groupBy) {
		Api.Response response = this.api
			.get("/v1/budgets/" + budget + "/usage?groupBy=" + groupBy + "&from=" + from + "&to=" + to);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		assertThat(response.contentType()).startsWith("application/json");
		return response.json();
	}

	private static Map<String, JsonNode> byKey(JsonNode report) {
		Map<String, JsonNode> groups = new LinkedHashMap<>();
		report.get("groups").forEach(group -> groups.put(group.get("key").asString(), group));
		return groups;
	}

	/**
	 * What moved spent on the budget in the range, summed by PostgreSQL straight from the
	 * journal.
	 */
	private BigDecimal journalSpend(UUID budget, Instant from, Instant to) {
		return this.jdbc.sql("""
				SELECT coalesce(sum(spent_delta), 0) FROM journal_entries
				WHERE budget_id = :id AND kind <> 'PERIOD_RESET' AND created_at >= :from AND created_at < :to""")
			.param("id", budget)
			.param("from", java.sql.Timestamp.from(from))
			.param("to", java.sql.Timestamp.from(to))
			.query(BigDecimal.class)
			.single();
	}

	private BigDecimal chargedDirectlyOn(UUID budget) {
		return this.jdbc.sql("SELECT coalesce(sum(charged), 0) FROM reservations WHERE budget_id = :id")
			.param("id", budget)
			.query(BigDecimal.class)
			.single();
	}

	private long deniedCount(UUID budget) {
		return this.jdbc.sql("SELECT denied_count FROM budgets WHERE id = :id")
			.param("id", budget)
			.query(Long.class)
			.single();
	}

	private static String compact(Instant instant) {
		return instant.toString().replace("-", "").replace(":", "");
	}

	private static String enc(String text) {
		return URLEncoder.encode(text, StandardCharsets.UTF_8);
	}

	/**
	 * An RFC 4180 reader, as a spreadsheet reads the file: quoted fields may hold commas,
	 * quotes and line breaks.
	 */
	static List<List<String>> parseCsv(String text) {
		List<List<String>> rows = new ArrayList<>();
		List<String> row = new ArrayList<>();
		StringBuilder field = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (quoted) {
				if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
					field.append('"');
					i++;
				}
				else if (c == '"') {
					quoted = false;
				}
				else {
					field.append(c);
				}
			}
			else if (c == '"') {
				assertThat(field).as("a quote opens a field only at its start").isEmpty();
				quoted = true;
			}
			else if (c == ',') {
				row.add(field.toString());
				field.setLength(0);
			}
			else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
				row.add(field.toString());
				field.setLength(0);
				rows.add(row);
				row = new ArrayList<>();
				i++;
			}
			else {
				field.append(c);
			}
		}
		assertThat(quoted).as("every quoted field is closed").isFalse();
		assertThat(row).as("the last row ends with CRLF").isEmpty();
		return rows;
	}

}
