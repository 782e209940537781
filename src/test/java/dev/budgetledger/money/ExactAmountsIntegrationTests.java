package dev.budgetledger.money;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every amount field of every endpoint, sent once as a long JSON number and once as a
 * string, is stored and answered exactly alike, to the last digit: no number passes
 * through {@code double} on any path (a merge patch and metadata included). A number with
 * more decimals than a field allows is refused, not rounded.
 */
class ExactAmountsIntegrationTests extends IntegrationTest {

	/** 27 significant digits: a double keeps 17 of them. */
	private static final String AMOUNT = "123456789.123456789012345678";

	/** A price per million tokens with the 12 decimals prices allow. */
	private static final String PRICE = "12345678.123456789012";

	private static final String RATIO = "123.4567";

	private static final String FRACTION = "0.1234";

	private static final String THRESHOLD = "1.2345";

	/**
	 * The budget fields that are amounts or fractions, with what each must come back as.
	 */
	private static final Map<String, String> BUDGET_FIELDS = Map.of("limit", AMOUNT, "rolloverCap", AMOUNT,
			"maxAmountPerCall", AMOUNT, "maxOverrun", AMOUNT, "maxOverrunRatio", RATIO, "downgradeAt", FRACTION);

	@Test
	void creatingABudgetKeepsEveryAmountExactAsANumberAndAsAString() {
		JsonNode asNumber = createdWith(false);
		JsonNode asString = createdWith(true);

		for (Map.Entry<String, String> field : BUDGET_FIELDS.entrySet()) {
			assertThat(asNumber.get(field.getKey()).asString()).as(field.getKey())
				.isEqualTo(asString.get(field.getKey()).asString())
				.isEqualTo(field.getValue());
		}
		assertThat(asNumber.get("thresholds").get(0).asString()).isEqualTo(THRESHOLD);
		assertThat(stored(UUID.fromString(asNumber.get("id").asString()))).isEqualByComparingTo(AMOUNT);
	}

	@Test
	void patchingABudgetKeepsEveryAmountExactAsANumberAndAsAString() {
		for (boolean quoted : List.of(false, true)) {
			UUID budget = createBudget("1");
			StringBuilder patch = new StringBuilder("{");
			BUDGET_FIELDS.forEach((field,
					value) -> patch.append('"').append(field).append("\":").append(number(value, quoted)).append(','));
			patch.append("\"thresholds\":[").append(number(THRESHOLD, quoted)).append("]}");

			Api.Response patched = this.api.patch("/v1/budgets/" + budget, patch.toString());

			assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
			for (Map.Entry<String, String> field : BUDGET_FIELDS.entrySet()) {
				assertThat(patched.text(field.getKey())).as(field.getKey() + (quoted ? " as a string" : " as a number"))
					.isEqualTo(field.getValue());
			}
			assertThat(patched.json().get("thresholds").get(0).asString()).isEqualTo(THRESHOLD);
			assertThat(stored(budget)).isEqualByComparingTo(AMOUNT);
		}
	}

	@Test
	void moreDecimalsThanAllowedAreRefusedOnEveryPathNotRounded() {
		UUID budget = createBudget("5");
		for (String body : List.of("{\"limit\": 1.0000000000000000001}", "{\"limit\": \"1.0000000000000000001\"}",
				"{\"maxAmountPerCall\": 1.0000000000000000001}", "{\"rolloverCap\": 1.0000000000000000001}")) {
			Api.Response refused = this.api.offContract().patch("/v1/budgets/" + budget, body);
			assertThat(refused.status()).as(body + " -> " + refused).isEqualTo(400);
		}
		assertThat(budget(budget).text("limit")).isEqualTo("5.00");
		Api.Response reserve = this.api.offContract()
			.post("/v1/reservations", "{\"budgetId\": \"" + budget + "\", \"amount\": 0.0000000000000000001}");
		assertThat(reserve.status()).as(reserve.toString()).isEqualTo(400);
	}

	@Test
	void reserveDecideAndSettleKeepAmountsAndMetadataExact() {
		for (boolean quoted : List.of(false, true)) {
			UUID budget = createBudget("1000000000");
			String amount = number(AMOUNT, quoted);
			Api.Response decided = this.api.post("/v1/decisions",
					"{\"budgetId\": \"" + budget + "\", \"amount\": " + amount + "}");
			assertThat(decided.text("amount")).isEqualTo(AMOUNT);

			Api.Response held = this.api.post("/v1/reservations", "{\"budgetId\": \"" + budget + "\", \"amount\": "
					+ amount + ", \"metadata\": {\"ratio\": 0.1000000000000000055511151231257827}}");
			assertThat(held.status()).as(held.toString()).isEqualTo(201);
			assertThat(held.text("amount")).isEqualTo(AMOUNT);
			assertThat(held.body()).contains("0.1000000000000000055511151231257827");

			Api.Response settled = settle(UUID.fromString(held.text("id")), "{\"amount\": " + amount + "}");
			assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
			assertThat(settled.text("charged")).isEqualTo(AMOUNT);
			assertReconciled(budget, AMOUNT, "0");
		}
	}

	@Test
	void pricesKeepEveryDigitAsANumberAndAsAString() {
		for (boolean quoted : List.of(false, true)) {
			String model = "exact-" + UUID.randomUUID();
			String price = number(PRICE, quoted);
			Api.Response put = this.api.put("/v1/prices/" + model,
					"{\"currency\": \"USD\", \"inputPerMillion\": " + price + ", \"outputPerMillion\": " + price
							+ ", \"cacheReadPerMillion\": " + price + ", \"cacheWritePerMillion\": " + price
							+ ", \"reasoningPerMillion\": " + price + "}");

			assertThat(put.status()).as(put.toString()).isEqualTo(201);
			for (String field : List.of("inputPerMillion", "outputPerMillion", "cacheReadPerMillion",
					"cacheWritePerMillion", "reasoningPerMillion")) {
				assertThat(put.text(field)).as(field).isEqualTo(PRICE);
			}
		}
	}

	private JsonNode createdWith(boolean quoted) {
		StringBuilder body = new StringBuilder("{\"name\": \"exact\", \"rollover\": true, \"period\": \"MONTHLY\",");
		BUDGET_FIELDS.forEach((field,
				value) -> body.append('"').append(field).append("\":").append(number(value, quoted)).append(','));
		body.append("\"thresholds\":[").append(number(THRESHOLD, quoted)).append("]}");
		Api.Response created = this.api.post("/v1/budgets", body.toString());
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		return created.json();
	}

	private BigDecimal stored(UUID budget) {
		return this.jdbc.sql("SELECT limit_amount FROM budgets WHERE id = :id")
			.param("id", budget)
			.query(BigDecimal.class)
			.single();
	}

	private static String number(String value, boolean quoted) {
		return quoted ? "\"" + value + "\"" : value;
	}

}
