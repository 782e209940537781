package dev.budgetledger.alerting;

import dev.budgetledger.budget.BudgetPeriod;
import dev.budgetledger.budget.Period;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExhaustionForecastTests {

	private static final ZoneId UTC = ZoneId.of("UTC");

	private static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");

	private static final BudgetPeriod MONTHLY = new BudgetPeriod(Period.MONTHLY, UTC, MONTH, false, null,
			BigDecimal.ZERO);

	@Test
	void theLimitIsProjectedWhereTheBurnRateReachesIt() {
		// 30 of 100 after 3 of 30 days: the limit falls on day 10.
		var projection = ExhaustionForecast.project(MONTHLY, new BigDecimal("100"), new BigDecimal("30"),
				MONTH.plus(Duration.ofDays(3)));

		assertThat(projection).hasValueSatisfying(p -> {
			assertThat(p.projectedAt()).isEqualTo(MONTH.plus(Duration.ofDays(10)));
			assertThat(p.periodEnd()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
		});
	}

	@Test
	void aRateThatReachesTheLimitOnlyAtTheEndOrLaterIsNotAProjection() {
		assertThat(ExhaustionForecast.project(MONTHLY, new BigDecimal("100"), new BigDecimal("10"),
				MONTH.plus(Duration.ofDays(3))))
			.isEmpty();
		assertThat(ExhaustionForecast.project(MONTHLY, new BigDecimal("100"), new BigDecimal("50"),
				MONTH.plus(Duration.ofDays(15))))
			.isEmpty();
	}

	@Test
	void nothingIsProjectedTooEarlyAtOrPastTheLimitOrWithoutAPeriod() {
		assertThat(ExhaustionForecast.project(MONTHLY, new BigDecimal("100"), new BigDecimal("5"),
				MONTH.plus(Duration.ofMinutes(10))))
			.as("first minutes of the month")
			.isEmpty();
		assertThat(ExhaustionForecast.project(MONTHLY, new BigDecimal("100"), new BigDecimal("100"),
				MONTH.plus(Duration.ofDays(3))))
			.as("already exhausted")
			.isEmpty();
		assertThat(ExhaustionForecast.project(MONTHLY, new BigDecimal("100"), BigDecimal.ZERO,
				MONTH.plus(Duration.ofDays(3))))
			.as("nothing spent")
			.isEmpty();
		BudgetPeriod none = new BudgetPeriod(Period.NONE, UTC, null, false, null, BigDecimal.ZERO);
		assertThat(ExhaustionForecast.project(none, new BigDecimal("100"), new BigDecimal("99"),
				MONTH.plus(Duration.ofDays(3))))
			.as("no period")
			.isEmpty();
	}

}
