package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.money.Amounts;

/**
 * A budget row.
 *
 * @param ancestors the path from the root to this budget, both included
 * @param unit a currency code, or {@link #TOKENS}
 * @param heldCount reservations currently held on this budget or below it
 * @param callsInPeriod reservations allowed on this budget or below it in the current
 * period
 * @param deniedCount reservations denied on this budget or below it in the current period
 */
public record Budget(UUID id, String name, @Nullable UUID parentId, UUID rootId, int depth, List<UUID> ancestors,
		String unit, BigDecimal limit, BigDecimal spent, BigDecimal reserved, long heldCount, long callsInPeriod,
		long deniedCount, String status, @Nullable String frozenReason, @Nullable Instant frozenAt, BudgetPeriod period,
		BudgetPolicy policy, Map<String, Object> metadata, Instant createdAt, Instant updatedAt) {

	public static final String TOKENS = "TOKENS";

	public static final String FROZEN = "FROZEN";

	public boolean countsTokens() {
		return TOKENS.equals(this.unit);
	}

	/**
	 * A figure of this budget as the API writes it (events included): whole tokens, or
	 * money with 2+ decimals.
	 */
	public String format(BigDecimal value) {
		return Amounts.format(value, countsTokens());
	}

	public boolean frozen() {
		return FROZEN.equals(this.status);
	}

	/** The limit plus what rollover carried into this period. */
	public BigDecimal effectiveLimit() {
		return this.limit.add(this.period.carriedOver());
	}

	/** What may still be reserved; negative after an overrun. */
	public BigDecimal available() {
		return effectiveLimit().subtract(this.spent).subtract(this.reserved);
	}

	/**
	 * The start of the current period, or the budget's creation for budgets without
	 * periods.
	 */
	public Instant periodKey() {
		Instant start = this.period.start();
		return (start != null) ? start : this.createdAt;
	}

}
