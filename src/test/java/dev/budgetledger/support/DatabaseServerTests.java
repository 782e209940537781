package dev.budgetledger.support;

import java.time.LocalDateTime;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.DatabaseServer.Source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseServerTests {

	private static final BooleanSupplier YES = () -> true;

	private static final BooleanSupplier NO = () -> false;

	@Test
	void aGivenServerComesFirstEvenWhenDockerWorks() {
		assertThat(DatabaseServer.choose(null, YES, "jdbc:postgresql://db:5432/postgres", YES)).isEqualTo(Source.URL);
	}

	@Test
	void withoutAGivenServerDockerComesFirst() {
		assertThat(DatabaseServer.choose(null, YES, null, YES)).isEqualTo(Source.CONTAINER);
	}

	@Test
	void withoutDockerOrAGivenServerTheLocalOneIsUsedIfItAnswers() {
		assertThat(DatabaseServer.choose(null, NO, null, YES)).isEqualTo(Source.LOCAL);
	}

	@Test
	void withNothingAtHandTheTestsRunOnAnEmbeddedServer() {
		assertThat(DatabaseServer.choose(null, NO, null, NO)).isEqualTo(Source.EMBEDDED);
	}

	@Test
	void aForcedChoiceAsksNothing() {
		AtomicInteger probes = new AtomicInteger();
		BooleanSupplier counted = () -> probes.incrementAndGet() > 0;
		assertThat(DatabaseServer.choose("embedded", counted, "jdbc:postgresql://db:5432/postgres", counted))
			.isEqualTo(Source.EMBEDDED);
		assertThat(DatabaseServer.choose(" Local ", counted, null, counted)).isEqualTo(Source.LOCAL);
		assertThat(probes).hasValue(0);
	}

	@Test
	void anUnknownForcedChoiceStopsTheRun() {
		assertThatThrownBy(() -> DatabaseServer.choose("h2", YES, null, YES)).hasMessageContaining("embedded");
	}

	@Test
	void theLocalServerIsNotProbedWhenDockerWorks() {
		AtomicInteger probes = new AtomicInteger();
		DatabaseServer.choose(null, YES, null, () -> probes.incrementAndGet() > 0);
		assertThat(probes).hasValue(0);
	}

	@Test
	void databasesOfKilledRunsAreAbandonedAfterAnHour() {
		LocalDateTime now = LocalDateTime.of(2026, 12, 7, 12, 0, 0);
		assertThat(LocalDatabase.abandoned("budget_ledger_test_20261207105959_3fa2_app", now)).isTrue();
		assertThat(LocalDatabase.abandoned("budget_ledger_test_20261207110100_3fa2_app", now)).isFalse();
		assertThat(LocalDatabase.abandoned("budget_ledger_test_20261207115900_3fa2", now)).isFalse();
		assertThat(LocalDatabase.abandoned("budget_ledger_client_test_1765000000000_ab", now)).isFalse();
		assertThat(LocalDatabase.abandoned("budget_ledger_test_2026120711_x", now)).isFalse();
		assertThat(LocalDatabase.abandoned("postgres", now)).isFalse();
	}

}
