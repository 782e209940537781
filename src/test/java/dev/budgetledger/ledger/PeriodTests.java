package dev.budgetledger.ledger;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PeriodTests {

	private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

	@Test
	void periodsStartAtLocalMidnightMondayAndTheFirst() {
		Instant wednesday = Instant.parse("2026-11-25T15:00:00Z");

		assertThat(Period.DAILY.startOf(wednesday, ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-11-25T00:00:00Z"));
		assertThat(Period.WEEKLY.startOf(wednesday, ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
		assertThat(Period.MONTHLY.startOf(wednesday, ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
		assertThat(Period.DAILY.startOf(wednesday, PARIS)).isEqualTo(Instant.parse("2026-11-24T23:00:00Z"));
		assertThat(Period.NONE.startOf(wednesday, ZoneOffset.UTC)).isNull();
	}

	@Test
	void aDayAcrossADaylightSavingChangeIsTwentyThreeHoursLong() {
		Instant start = Period.DAILY.startOf(Instant.parse("2026-03-29T10:00:00Z"), PARIS);

		assertThat(Period.DAILY.next(start, PARIS)).isEqualTo(start.plusSeconds(23 * 3600));
	}

	@Test
	void monthsHaveTheirOwnLengths() {
		Instant february = Instant.parse("2026-02-01T00:00:00Z");

		assertThat(Period.MONTHLY.next(february, ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
	}

}
