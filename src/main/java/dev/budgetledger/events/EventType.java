package dev.budgetledger.events;

/** What the ledger tells the outside world about. */
public enum EventType {

	THRESHOLD_CROSSED("budget.threshold_crossed"), EXHAUSTED("budget.exhausted"),
	PROJECTED_EXHAUSTION("budget.projected_exhaustion"), FROZEN("budget.frozen"), UNFROZEN("budget.unfrozen"),
	PERIOD_RESET("budget.period_reset"), CHARGED("budget.charged"), CLOSED("budget.closed"),
	REOPENED("budget.reopened"), DENIED("reservation.denied"), OVERRUN("reservation.overrun"),
	EXPIRED("reservation.expired"), ADJUSTED("reservation.adjusted");

	private final String wireName;

	EventType(String wireName) {
		this.wireName = wireName;
	}

	public String wireName() {
		return this.wireName;
	}

	public static EventType fromWireName(String name) {
		for (EventType type : values()) {
			if (type.wireName.equals(name)) {
				return type;
			}
		}
		throw new IllegalArgumentException("Unknown event type " + name);
	}

}
