package dev.budgetledger.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A budget's deniedCount means what its callsInPeriod means: the reserves denied on it or
 * anywhere below it, in its current period; the usage report and the denial list say the
 * same.
 */
class DeniedCountIntegrationTests extends IntegrationTest {

	@Test
	void aDenialCountsOnEveryLevelOfTheChain() {
		UUID root = createBudget(Map.of("limit", "10.00"));
		UUID team = createBudget(Map.of("limit", "5.00", "parentId", root));
		UUID leaf = createBudget(Map.of("limit", "1.00", "parentId", team));

		assertThat(reserve(leaf, "2.00").status()).isEqualTo(402);
		assertThat(reserve(leaf, "3.00").status()).isEqualTo(402);
		assertThat(reserve(team, "6.00").status()).isEqualTo(402);

		assertThat(deniedCount(leaf)).isEqualTo(2);
		assertThat(deniedCount(team)).isEqualTo(3);
		assertThat(deniedCount(root)).isEqualTo(3);
		assertThat(this.api.get("/v1/budgets/" + root + "/usage").json().get("total").get("callsDenied").asLong())
			.isEqualTo(3);
		assertThat(this.api.get("/v1/budgets/" + root + "/denials").json().get("items").size()).isEqualTo(3);
	}

	@Test
	void theCountStartsAgainWithThePeriod() {
		UUID budget = createBudget(Map.of("limit", "1.00", "period", "DAILY"));
		assertThat(reserve(budget, "2.00").status()).isEqualTo(402);
		assertThat(deniedCount(budget)).isEqualTo(1);

		this.clock.advance(Duration.ofDays(1));
		assertThat(reserve(budget, "0.50").status()).isEqualTo(201);

		assertThat(deniedCount(budget)).isZero();
	}

	@Test
	void theMigrationRecountsOldCountsFromTheDenialsOfThePeriod() throws IOException {
		UUID root = createBudget(Map.of("limit", "10.00", "period", "MONTHLY"));
		UUID leaf = createBudget(Map.of("limit", "1.00", "parentId", root));
		assertThat(reserve(leaf, "2.00").status()).isEqualTo(402);
		assertThat(reserve(leaf, "2.00").status()).isEqualTo(402);
		// As an installation before V21 counted: the budget reserved on, since it was
		// created.
		this.jdbc.sql("UPDATE budgets SET denied_count = 0 WHERE id = :id").param("id", root).update();
		this.jdbc.sql("UPDATE budgets SET denied_count = 7 WHERE id = :id").param("id", leaf).update();

		this.jdbc.sql(Files.readString(Path.of("db/migration/V21__denied_count_rolls_up.sql"))).update();

		assertThat(deniedCount(root)).isEqualTo(2);
		assertThat(deniedCount(leaf)).isEqualTo(2);
	}

	private long deniedCount(UUID budget) {
		return budget(budget).json().get("deniedCount").asLong();
	}

}
