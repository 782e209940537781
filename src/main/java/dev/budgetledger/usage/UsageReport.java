package dev.budgetledger.usage;

import java.time.Instant;
import java.util.List;

import dev.budgetledger.budget.Budget;

/**
 * A budget's usage over {@code [from, to)}, split into groups; {@code total} is their sum. {@code budget} is read
 * in the same snapshot as the groups.
 */
public record UsageReport(Budget budget, Instant from, Instant to, GroupBy groupBy, List<UsageGroup> groups,
		UsageGroup total) {
}
