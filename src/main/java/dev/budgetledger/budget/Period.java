package dev.budgetledger.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;

import org.jspecify.annotations.Nullable;

/**
 * How often a budget's {@code spent} starts again from zero. Boundaries are local
 * midnights in the budget's time zone (weeks start on Monday, months on the 1st), so a
 * DST change or a 31-day month is handled by the calendar, not by adding fixed durations.
 * Hours start on the budget's local full hour (which matters in zones whose offset is not
 * whole hours, such as Asia/Kolkata) and last sixty minutes of real time, so a DST change
 * neither skips nor stretches one.
 */
public enum Period {

	NONE, HOURLY, DAILY, WEEKLY, MONTHLY;

	/** The start of the period that contains {@code instant}, or null for NONE. */
	public @Nullable Instant startOf(Instant instant, ZoneId zone) {
		LocalDate date = instant.atZone(zone).toLocalDate();
		return switch (this) {
			case NONE -> null;
			case HOURLY -> instant.atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant();
			case DAILY -> date.atStartOfDay(zone).toInstant();
			case WEEKLY -> date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay(zone).toInstant();
			case MONTHLY -> date.withDayOfMonth(1).atStartOfDay(zone).toInstant();
		};
	}

	/** The start of the period after the one that starts at {@code start}. */
	public Instant next(Instant start, ZoneId zone) {
		if (this == HOURLY) {
			return start.atZone(zone).plusHours(1).truncatedTo(ChronoUnit.HOURS).toInstant();
		}
		LocalDate date = start.atZone(zone).toLocalDate();
		LocalDate next = switch (this) {
			case NONE -> throw new IllegalStateException("A budget without period has no next period");
			case HOURLY -> throw new IllegalStateException("unreachable");
			case DAILY -> date.plusDays(1);
			case WEEKLY -> date.plusWeeks(1);
			case MONTHLY -> date.plusMonths(1);
		};
		return next.atStartOfDay(zone).toInstant();
	}

}
