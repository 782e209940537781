package dev.budgetledger.usage;

import java.util.Locale;
import java.util.Optional;

/**
 * How a usage report splits its range: by hour or day (in the budget's time zone), by
 * model, by direct child, by the budget each call was reserved on, by API key, by the
 * value of one metadata key (an end user, a tag), or by the run a reservation named
 * ({@code runId}).
 */
public enum GroupBy {

	HOUR, DAY, MODEL, CHILD, BUDGET, KEY, METADATA, RUN;

	/** The name on the wire: {@code day}, {@code model}, {@code child}. */
	public String wireName() {
		return name().toLowerCase(Locale.ROOT);
	}

	public static Optional<GroupBy> fromWireName(String name) {
		for (GroupBy groupBy : values()) {
			if (groupBy.wireName().equals(name)) {
				return Optional.of(groupBy);
			}
		}
		return Optional.empty();
	}

}
