package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PeriodRollTests {

	private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");

	private static Budget monthly(String limit, String spent, boolean rollover, @Nullable String cap) {
		UUID id = UUID.randomUUID();
		return new Budget(id, "b", null, id, 0, List.of(id), "USD", new BigDecimal(limit), new BigDecimal(spent),
				BigDecimal.ZERO, 0, 0, 0, "ACTIVE", null, null,
				new BudgetPeriod(Period.MONTHLY, ZoneOffset.UTC, START, rollover,
						(cap != null) ? new BigDecimal(cap) : null, BigDecimal.ZERO),
				new BudgetPolicy(Mode.HARD, BudgetPolicy.DEFAULT_THRESHOLDS, null, null, null, null, null), Map.of(),
				START, START);
	}

	@Test
	void nothingRollsBeforeTheEnd() {
		assertThat(PeriodRoll.of(monthly("10", "3", true, null), Instant.parse("2026-11-30T23:59:59Z"))).isEmpty();
	}

	@Test
	void atTheEndThePeriodClosesAndTheUnusedPartCarries() {
		PeriodRoll roll = PeriodRoll.of(monthly("10", "3", true, null), Instant.parse("2026-12-01T00:00:00Z"))
			.orElseThrow();

		assertThat(roll.closedEnd()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
		assertThat(roll.newStart()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
		assertThat(roll.carry()).isEqualByComparingTo("7");
	}

	@Test
	void idlePeriodsPassTheCarryAlongUpToTheCap() {
		PeriodRoll capped = PeriodRoll.of(monthly("10", "3", true, "12"), Instant.parse("2027-02-15T00:00:00Z"))
			.orElseThrow();
		PeriodRoll without = PeriodRoll.of(monthly("10", "3", false, null), Instant.parse("2027-02-15T00:00:00Z"))
			.orElseThrow();

		assertThat(capped.newStart()).isEqualTo(Instant.parse("2027-02-01T00:00:00Z"));
		assertThat(capped.carry()).isEqualByComparingTo("12");
		assertThat(without.carry()).isZero();
	}

	@Test
	void anOverspentPeriodCarriesNothing() {
		assertThat(PeriodRoll.of(monthly("10", "12", true, null), Instant.parse("2026-12-02T00:00:00Z"))
			.orElseThrow()
			.carry()).isZero();
	}

}
