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
 * @param subject the key this budget was created for under its parent (a per-user budget
 * made on demand), or null
 * @param closedAt when it was closed (no new holds on it or below it), or null when open
 * @param childTemplate what its children for subjects are created with, or null (none
 * are)
 */
public record Budget(UUID id, String name, @Nullable UUID parentId, UUID rootId, int depth, List<UUID> ancestors,
		String unit, BigDecimal limit, BigDecimal spent, BigDecimal reserved, long heldCount, long callsInPeriod,
		long deniedCount, String status, @Nullable String frozenReason, @Nullable Instant frozenAt, BudgetPeriod period,
		BudgetPolicy policy, Map<String, Object> metadata, Instant createdAt, Instant updatedAt,
		@Nullable String subject, @Nullable Instant closedAt, @Nullable ChildTemplate childTemplate) {

	/** A budget that is open, made for no subject, with no child template. */
	public Budget(UUID id, String name, @Nullable UUID parentId, UUID rootId, int depth, List<UUID> ancestors,
			String unit, BigDecimal limit, BigDecimal spent, BigDecimal reserved, long heldCount, long callsInPeriod,
			long deniedCount, String status, @Nullable String frozenReason, @Nullable Instant frozenAt,
			BudgetPeriod period, BudgetPolicy policy, Map<String, Object> metadata, Instant createdAt,
			Instant updatedAt) {
		this(id, name, parentId, rootId, depth, ancestors, unit, limit, spent, reserved, heldCount, callsInPeriod,
				deniedCount, status, frozenReason, frozenAt, period, policy, metadata, createdAt, updatedAt, null, null,
				null);
	}

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

	public boolean closed() {
		return this.closedAt != null;
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
