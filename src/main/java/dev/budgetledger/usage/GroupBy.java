package dev.budgetledger.usage;

import java.util.Locale;
import java.util.Optional;

/** How a usage report splits its range: by day (in the budget's time zone), by model, or by direct child. */
public enum GroupBy {

	DAY, MODEL, CHILD;

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
