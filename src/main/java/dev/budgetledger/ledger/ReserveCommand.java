package dev.budgetledger.ledger;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** A request to hold what {@code ask} needs on a budget and its ancestors for {@code ttl}. */
public record ReserveCommand(UUID budgetId, Ask ask, Duration ttl, Map<String, Object> metadata) {
}
