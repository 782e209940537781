package dev.budgetledger.usage;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.budget.Budget;

/**
 * A budget's usage over {@code [from, to)}, split into groups; {@code total} is their
 * sum. {@code budget} is read in the same snapshot as the groups; {@code metadataKey} is
 * the metadata key grouped by, if that is the grouping.
 */
public record UsageReport(Budget budget, Instant from, Instant to, GroupBy groupBy, @Nullable String metadataKey,
		List<UsageGroup> groups, UsageGroup total) {
}
