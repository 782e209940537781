package dev.budgetledger.reliability;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the commit itself fails, the caller cannot know whether its reserve took effect.
 * Retrying with the same Idempotency-Key must give the true answer: here the commit did
 * not happen, so the retry runs afresh, and there is exactly one hold in the end, never
 * two.
 */
class UnknownOutcomeIntegrationTests extends IntegrationTest {

	@Test
	void aRetryAfterAFailedCommitHoldsExactlyOnce() {
		UUID budget = createBudget("10");
		String key = "unknown-" + UUID.randomUUID();
		// A deferred trigger fails the first commit that inserts a reservation on this
		// budget: the reservation, its
		// journal entries and the stored key are all written, then thrown away at COMMIT.
		this.jdbc.sql("CREATE SEQUENCE commit_fault_" + suffix(budget)).update();
		this.jdbc.sql("""
				CREATE FUNCTION commit_fault_%1$s() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				    IF nextval('commit_fault_%1$s') = 1 THEN
				        RAISE EXCEPTION 'injected failure at commit';
				    END IF;
				    RETURN NEW;
				END $$""".formatted(suffix(budget))).update();
		this.jdbc
			.sql("""
					CREATE CONSTRAINT TRIGGER commit_fault_%1$s AFTER INSERT ON reservations DEFERRABLE INITIALLY DEFERRED
					FOR EACH ROW WHEN (NEW.budget_id = '%2$s') EXECUTE FUNCTION commit_fault_%1$s()"""
				.formatted(suffix(budget), budget))
			.update();
		try {
			Api.Response failed = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
					"Idempotency-Key", key);

			assertThat(failed.status()).as(failed.toString()).isGreaterThanOrEqualTo(500);
			assertThat(failed.contentType()).startsWith("application/problem+json");
			assertThat(count("SELECT count(*) FROM reservations WHERE budget_id = '" + budget + "'")).isZero();
			assertThat(count("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '" + key + "'")).isZero();
			assertReconciled(budget, "0", "0");

			Api.Response retried = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
					"Idempotency-Key", key);
			Api.Response again = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
					"Idempotency-Key", key);

			assertThat(retried.status()).isEqualTo(201);
			assertThat(retried.header("Idempotent-Replayed")).isEmpty();
			assertThat(again.header("Idempotent-Replayed")).hasValue("true");
			assertThat(again.text("id")).isEqualTo(retried.text("id"));
			assertThat(count("SELECT count(*) FROM reservations WHERE budget_id = '" + budget + "'")).isEqualTo(1);
			assertReconciled(budget, "0", "1.00");
		}
		finally {
			this.jdbc.sql("DROP TRIGGER commit_fault_" + suffix(budget) + " ON reservations").update();
			this.jdbc.sql("DROP FUNCTION commit_fault_" + suffix(budget) + "()").update();
			this.jdbc.sql("DROP SEQUENCE commit_fault_" + suffix(budget)).update();
		}
	}

	private long count(String sql) {
		return this.jdbc.sql(sql).query(Long.class).single();
	}

	private static String suffix(UUID budget) {
		return budget.toString().replace("-", "");
	}

}
