package dev.budgetledger.budget;

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

	@Test
	void hoursStartOnTheLocalFullHourAndLastSixtyMinutesAcrossADaylightSavingChange() {
		Instant instant = Instant.parse("2026-11-25T15:47:12Z");
		ZoneId kolkata = ZoneId.of("Asia/Kolkata"); // UTC+05:30

		assertThat(Period.HOURLY.startOf(instant, ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-11-25T15:00:00Z"));
		assertThat(Period.HOURLY.startOf(instant, kolkata)).isEqualTo(Instant.parse("2026-11-25T15:30:00Z"));
		assertThat(Period.HOURLY.next(Instant.parse("2026-11-25T15:30:00Z"), kolkata))
			.isEqualTo(Instant.parse("2026-11-25T16:30:00Z"));
		// Paris falls back at 03:00 local on 2026-10-25: 02:00-03:00 happens twice, as
		// two hours
		Instant first = Instant.parse("2026-10-25T00:00:00Z"); // 02:00 CEST
		Instant second = Period.HOURLY.next(first, PARIS);
		assertThat(second).isEqualTo(Instant.parse("2026-10-25T01:00:00Z")); // 02:00 CET
		assertThat(Period.HOURLY.next(second, PARIS)).isEqualTo(Instant.parse("2026-10-25T02:00:00Z"));
		assertThat(Period.HOURLY.startOf(Instant.parse("2026-10-25T01:20:00Z"), PARIS)).isEqualTo(second);
	}

}
