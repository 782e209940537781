package dev.budgetledger.webhooks;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class PayloadsTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final UUID EVENT = UUID.fromString("04d4ac72-14d2-42fc-884d-d718d507794d");

	private static final UUID BUDGET = UUID.fromString("01a2084b-af9e-78d3-8113-d3339aaaf406");

	private static Payloads.EventMessage event(String type, Map<String, Object> data) {
		return new Payloads.EventMessage(EVENT, type, Instant.parse("2026-11-23T12:05:09.692224Z"), BUDGET,
				"support-agent", null, new LinkedHashMap<>(data));
	}

	@Test
	void theStandardBodyIsTheEventWithItsBudgetAndFigures() {
		JsonNode body = json
			.readTree(
					new String(
							Payloads.body("standard",
									event("budget.exhausted",
											Map.of("unit", "USD", "limit", "10.00", "available", "0.00")),
									json),
							StandardCharsets.UTF_8));

		assertThat(body.get("id").asString()).isEqualTo(EVENT.toString());
		assertThat(body.get("type").asString()).isEqualTo("budget.exhausted");
		assertThat(body.get("time").asString()).isEqualTo("2026-11-23T12:05:09.692224Z");
		assertThat(body.get("budget").get("id").asString()).isEqualTo(BUDGET.toString());
		assertThat(body.get("budget").get("name").asString()).isEqualTo("support-agent");
		assertThat(body.has("reservationId")).isFalse();
		assertThat(body.get("data").get("limit").asString()).isEqualTo("10.00");
	}

	@Test
	void everyEventTypeReadsAsASentenceInSlack() {
		assertThat(Payloads.slackText(event("budget.threshold_crossed",
				Map.of("unit", "USD", "limit", "10.000000000000000000", "threshold", "0.8", "utilization", "0.96"))))
			.isEqualTo(":warning: Budget *support-agent* crossed 80% of its limit (96% used of 10.00 USD).");
		assertThat(Payloads.slackText(event("budget.exhausted",
				Map.of("unit", "TOKENS", "limit", "50000.000000000000000000", "available", "0E-18"))))
			.isEqualTo(":no_entry: Budget *support-agent* is exhausted (limit 50000 tokens, available 0 tokens).");
		assertThat(Payloads.slackText(event("budget.frozen", Map.of("reason", "runaway loop"))))
			.isEqualTo(":ice_cube: Budget *support-agent* was frozen: runaway loop.");
		assertThat(Payloads.slackText(event("budget.unfrozen", Map.of())))
			.isEqualTo(":white_check_mark: Budget *support-agent* was unfrozen.");
		assertThat(Payloads.slackText(event("budget.closed", Map.of())))
			.isEqualTo(":lock: Budget *support-agent* was closed: new reservations on it are denied.");
		assertThat(Payloads.slackText(event("budget.reopened", Map.of())))
			.isEqualTo(":unlock: Budget *support-agent* was reopened.");
		assertThat(Payloads.slackText(
				event("budget.period_reset", Map.of("spent", "2.000000000000000000", "limit", "5.000000000000000000"))))
			.isEqualTo(":arrows_counterclockwise: Budget *support-agent* started a new period (2.00 spent of 5.00 in "
					+ "the last one).");
		assertThat(Payloads.slackText(event("reservation.denied",
				Map.of("unit", "USD", "reason", "INSUFFICIENT_FUNDS", "requested", "1", "available",
						"0.000000000000000000"))))
			.isEqualTo(":octagonal_sign: A reservation on budget *support-agent* was denied (INSUFFICIENT_FUNDS): "
					+ "asked 1.00 USD, available 0.00 USD.");
		assertThat(Payloads.slackText(event("reservation.overrun",
				Map.of("amount", "6.000000000000000000", "charged", "6.4", "overrun", "0.4", "late", false))))
			.isEqualTo(":heavy_exclamation_mark: A reservation on budget *support-agent* cost more than it held: "
					+ "held 6.00, charged 6.40.");
		assertThat(Payloads.slackText(event("reservation.expired", Map.of("amount", "1.250000000000000000"))))
			.isEqualTo(":alarm_clock: A hold of 1.25 on budget *support-agent* expired without being settled.");
		assertThat(Payloads.slackText(event("budget.projected_exhaustion",
				Map.of("unit", "USD", "limit", "100.000000000000000000", "spent", "40.5", "projectedAt",
						"2026-11-20T14:00:00Z"))))
			.isEqualTo(":hourglass_flowing_sand: Budget *support-agent* is projected to reach its limit before the "
					+ "period ends, at 2026-11-20T14:00:00Z (40.50 USD spent of 100.00 USD).");
	}

	@Test
	void textFromUsersCannotMentionOrLinkInSlack() {
		assertThat(Payloads.slackText(event("budget.frozen", Map.of("reason", "<!channel> see <http://x|here> & go"))))
			.isEqualTo(
					":ice_cube: Budget *support-agent* was frozen: &lt;!channel&gt; see &lt;http://x|here&gt; &amp; go.");
	}

}
