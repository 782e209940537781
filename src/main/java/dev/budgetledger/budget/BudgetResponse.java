package dev.budgetledger.budget;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.money.Amounts;

/**
 * A budget as the API shows it (and the audit log records it). Amounts are decimal
 * strings in its {@code unit} (a currency, or TOKENS); {@code available} is
 * {@code limit + carriedOver - spent - reserved}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BudgetResponse(UUID id, String name, @Nullable UUID parentId, @Nullable UUID rootId, int depth,
		String unit, @Nullable String currency, String limit, String spent, String reserved, String available,
		String carriedOver, String status, @Nullable String frozenReason, @Nullable Instant frozenAt, String period,
		String timezone, @Nullable Instant periodStart, @Nullable Instant periodEnd, boolean rollover,
		@Nullable String rolloverCap, String mode, List<String> thresholds, @Nullable String downgradeAt,
		@Nullable String maxAmountPerCall, @Nullable Long maxTokensPerCall, @Nullable Long maxCallsPerPeriod,
		@Nullable Integer maxConcurrentHolds, String maxOverrunRatio, @Nullable String maxOverrun, String overrunAction,
		@Nullable List<String> allowedModels, @Nullable Long maxHoldOutputTokens, @Nullable Long maxCallsPerRun,
		@Nullable String maxAmountPerRun, @Nullable Long maxRequestsPerMinute, @Nullable Long maxTokensPerMinute,
		long heldCount, long callsInPeriod, long deniedCount, Map<String, Object> metadata, Instant createdAt,
		Instant updatedAt, @Nullable String subject, boolean closed, @Nullable Instant closedAt,
		@Nullable Map<String, Object> childTemplate) {

	/**
	 * The budget as a key bound to {@code scope} sees it: the ids of budgets above its
	 * scope (the scope's parent, the tree's root) are left out, as everything else about
	 * them is.
	 */
	public static BudgetResponse of(Budget b, @Nullable UUID scope) {
		BudgetResponse full = of(b);
		if (scope == null) {
			return full;
		}
		boolean parentVisible = !b.id().equals(scope);
		boolean rootVisible = scope.equals(b.rootId());
		return new BudgetResponse(full.id(), full.name(), parentVisible ? full.parentId() : null,
				rootVisible ? full.rootId() : null, full.depth(), full.unit(), full.currency(), full.limit(),
				full.spent(), full.reserved(), full.available(), full.carriedOver(), full.status(), full.frozenReason(),
				full.frozenAt(), full.period(), full.timezone(), full.periodStart(), full.periodEnd(), full.rollover(),
				full.rolloverCap(), full.mode(), full.thresholds(), full.downgradeAt(), full.maxAmountPerCall(),
				full.maxTokensPerCall(), full.maxCallsPerPeriod(), full.maxConcurrentHolds(), full.maxOverrunRatio(),
				full.maxOverrun(), full.overrunAction(), full.allowedModels(), full.maxHoldOutputTokens(),
				full.maxCallsPerRun(), full.maxAmountPerRun(), full.maxRequestsPerMinute(), full.maxTokensPerMinute(),
				full.heldCount(), full.callsInPeriod(), full.deniedCount(), full.metadata(), full.createdAt(),
				full.updatedAt(), full.subject(), full.closed(), full.closedAt(), full.childTemplate());
	}

	public static BudgetResponse of(Budget b) {
		BudgetPolicy policy = b.policy();
		boolean tokens = b.countsTokens();
		ChildTemplate template = b.childTemplate();
		RunAndMinuteCaps caps = policy.runAndMinute();
		return new BudgetResponse(b.id(), b.name(), b.parentId(), b.rootId(), b.depth(), b.unit(),
				tokens ? null : b.unit(), b.format(b.limit()), b.format(b.spent()), b.format(b.reserved()),
				b.format(b.available()), b.format(b.period().carriedOver()), b.status(), b.frozenReason(), b.frozenAt(),
				b.period().period().name(), b.period().timezone().getId(), b.period().start(), b.period().end(),
				b.period().rollover(), (b.period().rolloverCap() != null) ? b.format(b.period().rolloverCap()) : null,
				policy.mode().name(),
				policy.thresholds().stream().map(t -> t.stripTrailingZeros().toPlainString()).toList(),
				(policy.downgradeAt() != null) ? policy.downgradeAt().stripTrailingZeros().toPlainString() : null,
				Amounts.formatOrNull(policy.maxAmountPerCall()), policy.maxTokensPerCall(), policy.maxCallsPerPeriod(),
				policy.maxConcurrentHolds(), policy.overrun().maxRatio().stripTrailingZeros().toPlainString(),
				(policy.overrun().max() != null) ? b.format(policy.overrun().max()) : null,
				policy.overrun().action().name(), policy.allowedModels(), policy.maxHoldOutputTokens(),
				caps.maxCallsPerRun(), (caps.maxAmountPerRun() != null) ? b.format(caps.maxAmountPerRun()) : null,
				caps.maxRequestsPerMinute(), caps.maxTokensPerMinute(), b.heldCount(), b.callsInPeriod(),
				b.deniedCount(), b.metadata(), b.createdAt(), b.updatedAt(), b.subject(), b.closed(), b.closedAt(),
				(template != null) ? template.view() : null);
	}

}
