package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reserve or settle answers from what it computed in Java and sends its writes later,
 * with the rest of its batch ({@link LedgerWrites}). These tests read back what was
 * stored and require it to be exactly what was answered.
 */
class LedgerWritesIntegrationTests extends IntegrationTest {

	@Test
	void aSettleAnswersExactlyWhatIsStoredUnderOverAndAfterItsHold() {
		// Up to three times the hold: the 2.50 overrun below is within this budget's
		// ceiling.
		UUID budget = createBudget(Map.of("limit", "100", "maxOverrunRatio", "2"));

		for (String charge : List.of("0.40", "1.00", "2.50", "0")) {
			UUID hold = reserveAllowed(budget, "1.00");
			assertAnswerIsStored(hold, settle(hold, Map.of("amount", charge)));
		}
		assertReconciled(budget, "3.90", "0");
	}

	@Test
	void aLateSettleOfAnExpiredHoldAnswersExactlyWhatIsStored() {
		UUID budget = createBudget("100");
		Api.Response held = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "amount", "2.00", "ttlSeconds", 30));
		UUID hold = UUID.fromString(held.text("id"));
		this.clock.advance(Duration.ofMinutes(1));
		expireAllDue();
		assertThat(reservation(hold).text("status")).isEqualTo("EXPIRED");
		this.clock.advance(Duration.ofSeconds(7));

		Api.Response settled = settle(hold, Map.of("amount", "1.25"));

		assertThat(settled.text("status")).isEqualTo("SETTLED");
		assertThat(settled.json().get("late").asBoolean()).isTrue();
		assertThat(settled.text("released")).isEqualTo("2.00");
		assertAnswerIsStored(hold, settled);
		assertReconciled(budget, "1.25", "0");
	}

	@Test
	void aTokenPricedSettleAnswersExactlyWhatIsStored() {
		String model = "test-model-" + UUID.randomUUID();
		assertThat(this.api
			.put("/v1/prices/" + model, Map.of("inputPerMillion", "0.000000000007", "outputPerMillion", "15",
					"cacheReadPerMillion", "0.3", "currency", "USD"))
			.status()).isEqualTo(201);
		UUID budget = createBudget("100");
		Api.Response reserved = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "model", model, "inputTokens", 3, "maxOutputTokens", 1000));
		assertAnswerIsStored(UUID.fromString(reserved.text("id")), reserved);

		Api.Response settled = settle(UUID.fromString(reserved.text("id")),
				Map.of("inputTokens", 3, "outputTokens", 7, "cacheReadTokens", 11, "reasoningTokens", 2));

		assertThat(settled.text("charged")).isEqualTo("0.000138300000000021");
		assertAnswerIsStored(UUID.fromString(reserved.text("id")), settled);
		assertReconciled(budget, "0.000138300000000021", "0");
	}

	@Test
	void anyTextIsStoredExactlyAsGiven() {
		UUID budget = createBudget("100");
		Map<String, Object> metadata = new LinkedHashMap<>();
		metadata.put("quote", "say \"hi\" \\ back");
		metadata.put("lines", "one\ntwo\tthree\u0001");
		metadata.put("unicode", "Grüße, 東京, \uD83D\uDE00");
		metadata.put("nested", Map.of("list", List.of(1, "two", true)));

		Api.Response reserved = this.api.post("/v1/reservations",
				Map.of("budgetId", budget, "amount", "1.00", "metadata", metadata), "Idempotency-Key",
				"key\"with\"\\quotes");

		assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
		UUID hold = UUID.fromString(reserved.text("id"));
		assertAnswerIsStored(hold, reserved);
		assertThat(reservation(hold).json().get("metadata").get("lines").asString()).isEqualTo("one\ntwo\tthree\u0001");
		assertThat(this.jdbc.sql("SELECT idempotency_key FROM reservations WHERE id = :id")
			.param("id", hold)
			.query(String.class)
			.single()).isEqualTo("key\"with\"\\quotes");
	}

	@Test
	void amountsAreRoundedAsPostgresqlRoundsThemIntoNumeric38And18() {
		for (String value : List.of("0.0000000000000000005", "0.0000000000000000015", "-0.0000000000000000005",
				"1.2345678901234567894", "1.2345678901234567895", "-7.9999999999999999999", "3.5", "0.000001")) {
			BigDecimal stored = this.jdbc.sql("SELECT CAST(CAST(:value AS text) AS numeric(38,18))")
				.param("value", value)
				.query(BigDecimal.class)
				.single();

			assertThat(LedgerWrites.stored(new BigDecimal(value))).as(value).isEqualByComparingTo(stored);
		}
	}

	/**
	 * The answer to a reserve or settle, less what only answers carry, equals the
	 * reservation read back.
	 */
	private void assertAnswerIsStored(UUID hold, Api.Response answer) {
		assertThat(answer.status()).as(answer.toString()).isBetween(200, 201);
		JsonNode answered = answer.json().deepCopy();
		for (String onlyInAnswers : List.of("decision", "available", "warnings")) {
			((ObjectNode) answered).remove(onlyInAnswers);
		}
		assertThat(answered).isEqualTo(reservation(hold).json());
	}

}
