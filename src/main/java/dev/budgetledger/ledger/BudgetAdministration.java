package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetChanges;
import dev.budgetledger.budget.BudgetPeriod;
import dev.budgetledger.budget.BudgetPolicy;
import dev.budgetledger.budget.BudgetResponse;
import dev.budgetledger.budget.ChildTemplate;
import dev.budgetledger.budget.BudgetRules;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.budget.InvalidParentException;
import dev.budgetledger.budget.Metadata;
import dev.budgetledger.budget.Mode;
import dev.budgetledger.budget.NewBudget;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.budget.RunAndMinuteCaps;
import dev.budgetledger.events.EventType;
import dev.budgetledger.events.Events;
import dev.budgetledger.journal.EntryKind;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.shared.Ids;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The budget changes an admin makes: open, patch, freeze, unfreeze, close, reopen; and
 * the opening of a subject's child from its parent's template, which a reserve makes.
 * Each locks its budget ({@link Locks}), writes the row, journals what moves money or
 * rules ({@link Journal}) and records its audit entry with the budget as read under the
 * lock and as left, all in one transaction. Holds, settlements and period resets are
 * {@link Ledger}'s.
 */
@Service
public class BudgetAdministration {

	private final JdbcClient jdbc;

	private final Clock clock;

	private final Locks locks;

	private final Budgets budgets;

	private final Journal journal;

	private final Metadata metadata;

	private final JsonMapper json;

	private final Events events;

	private final AuditLog audit;

	private final BudgetScope scope;

	BudgetAdministration(JdbcClient jdbc, Clock clock, Locks locks, Budgets budgets, Journal journal, Metadata metadata,
			JsonMapper json, Events events, AuditLog audit, BudgetScope scope) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.locks = locks;
		this.budgets = budgets;
		this.journal = journal;
		this.metadata = metadata;
		this.json = json;
		this.events = events;
		this.audit = audit;
		this.scope = scope;
	}

	/** Opens a budget, journaled and audited as {@code actor}'s change. */
	@Transactional
	public Budget open(NewBudget spec, Actor actor) {
		return open(spec, null, actor);
	}

	/**
	 * Opens a budget whose children for subjects are made from {@code template} (none
	 * when null), journaled and audited as {@code actor}'s change.
	 */
	@Transactional
	public Budget open(NewBudget spec, @Nullable ChildTemplate template, Actor actor) {
		return insert(spec, null, template, actor, now());
	}

	/**
	 * Opens the child of {@code parent} for {@code subject} from the parent's template,
	 * in the caller's transaction, which holds the parent's chain locked (so no other
	 * transaction makes the same child meanwhile): journaled (OPEN) and audited
	 * (BUDGET_CREATE) as {@code actor}'s change, as any new budget.
	 */
	Budget openChild(Budget parent, ChildTemplate template, String subject, Actor actor, Instant now) {
		return insert(template.child(parent, subject), subject, null, actor, now);
	}

	private Budget insert(NewBudget spec, @Nullable String subject, @Nullable ChildTemplate template, Actor actor,
			Instant now) {
		BudgetRules.check(spec);
		UUID id = Ids.newId(now);
		int depth = 0;
		UUID root = id;
		List<UUID> ancestors = new ArrayList<>();
		if (spec.parentId() != null) {
			List<Budget> parentChain = this.budgets.chain(spec.parentId());
			if (parentChain.isEmpty()) {
				throw new InvalidParentException(spec.parentId(), "does not exist");
			}
			Budget parent = parentChain.get(parentChain.size() - 1);
			if (parent.depth() >= BudgetRules.MAX_DEPTH - 1) {
				throw new InvalidParentException(spec.parentId(),
						"is at the deepest level; budgets nest at most " + BudgetRules.MAX_DEPTH + " levels");
			}
			if (!Budget.TOKENS.equals(spec.unit())) {
				// Every money budget of the tree, not just the ancestors: under a TOKENS
				// root, a USD and a EUR sibling
				// would each pass their chain. The root's row lock keeps two such
				// creations from racing.
				this.locks.budget(parent.rootId());
				List<String> currencies = this.jdbc.sql(
						"SELECT DISTINCT unit FROM budgets WHERE root_id = :root AND unit <> 'TOKENS' AND unit <> :unit")
					.param("root", parent.rootId())
					.param("unit", spec.unit())
					.query(String.class)
					.list();
				if (!currencies.isEmpty()) {
					throw new InvalidParentException(spec.parentId(), "is in a tree that counts money in "
							+ currencies.get(0) + "; money budgets in one tree must share a currency");
				}
			}
			depth = parent.depth() + 1;
			root = parent.rootId();
			ancestors.addAll(parent.ancestors());
		}
		ancestors.add(id);
		if (template != null) {
			checkTemplate(template, depth, root, spec.unit());
		}
		Instant periodStart = spec.period().startOf(now, spec.timezone());
		BudgetPolicy policy = spec.policy();
		this.jdbc
			.sql("""
					INSERT INTO budgets (id, name, parent_id, root_id, depth, ancestors, unit, limit_amount, period, timezone,
					    period_start, rollover, rollover_cap, mode, thresholds, downgrade_at, max_amount_per_call,
					    max_tokens_per_call, max_calls_per_period, max_concurrent_holds, max_overrun_ratio, max_overrun,
					    overrun_action, allowed_models, max_hold_output_tokens, metadata, created_at, updated_at, subject,
					    child_template)
					VALUES (:id, :name, :parentId, :rootId, :depth, CAST(:ancestors AS uuid[]), :unit, :limit, :period, :timezone,
					    :periodStart, :rollover, :rolloverCap, :mode, CAST(:thresholds AS jsonb), :downgradeAt,
					    :maxAmountPerCall, :maxTokensPerCall, :maxCallsPerPeriod, :maxConcurrentHolds, :maxOverrunRatio,
					    :maxOverrun, :overrunAction, CAST(:allowedModels AS text[]), :maxHoldOutputTokens, CAST(:metadata AS jsonb), :now,
					    :now, :subject, CAST(:childTemplate AS jsonb))""")
			.param("id", id)
			.param("name", spec.name())
			.param("parentId", spec.parentId())
			.param("rootId", root)
			.param("depth", depth)
			.param("ancestors", uuidArray(ancestors))
			.param("unit", spec.unit())
			.param("limit", spec.limit())
			.param("period", spec.period().name())
			.param("timezone", spec.timezone().getId())
			.param("periodStart", timestamp(periodStart))
			.param("rollover", spec.rollover())
			.param("rolloverCap", spec.rolloverCap())
			.param("mode", policy.mode().name())
			.param("thresholds", this.json.writeValueAsString(policy.thresholds()))
			.param("downgradeAt", policy.downgradeAt())
			.param("maxAmountPerCall", policy.maxAmountPerCall())
			.param("maxTokensPerCall", policy.maxTokensPerCall())
			.param("maxCallsPerPeriod", policy.maxCallsPerPeriod())
			.param("maxConcurrentHolds", policy.maxConcurrentHolds())
			.param("maxOverrunRatio", policy.overrun().maxRatio())
			.param("maxOverrun", policy.overrun().max())
			.param("overrunAction", policy.overrun().action().name())
			.param("allowedModels", textArray(policy.allowedModels()))
			.param("maxHoldOutputTokens", policy.maxHoldOutputTokens())
			.param("metadata", this.metadata.write(spec.metadata()))
			.param("now", Timestamp.from(now))
			.param("subject", subject)
			.param("childTemplate", (template != null) ? this.metadata.write(template.view()) : null)
			.update();
		if (!policy.runAndMinute().equals(RunAndMinuteCaps.NONE)) {
			writeRunAndMinuteCaps(id, policy.runAndMinute(), now);
		}
		this.journal.entry(id, EntryKind.OPEN, spec.limit(), BigDecimal.ZERO, spec.limit(), null, null, now);
		this.scope.learn(id, ancestors);
		Budget opened = this.budgets.get(id);
		this.audit.record(actor, AuditAction.BUDGET_CREATE, id.toString(), null, BudgetResponse.of(opened));
		return opened;
	}

	/** Applies a merge patch; a limit change is journaled, the rest is configuration. */
	@Transactional
	public Budget update(UUID id, BudgetChanges changes, Actor actor) {
		return update(id, changes, null, actor);
	}

	/**
	 * As {@link #update(UUID, BudgetChanges, Actor)}; when the patch has
	 * {@code childTemplate}, the template is replaced by {@code template} (removed when
	 * null). Children already made keep what they were made with.
	 */
	@Transactional
	public Budget update(UUID id, BudgetChanges changes, @Nullable ChildTemplate template, Actor actor) {
		Instant now = now();
		Budget budget = this.locks.budget(id);
		BudgetRules.check(budget, changes);
		if (changes.has("childTemplate")) {
			if (template != null) {
				checkTemplate(template, budget.depth(), budget.rootId(), budget.unit());
			}
			this.jdbc.sql("UPDATE budgets SET child_template = CAST(:template AS jsonb) WHERE id = :id")
				.param("id", id)
				.param("template", (template != null) ? this.metadata.write(template.view()) : null)
				.update();
		}
		BudgetPolicy policy = budget.policy();
		BudgetPeriod period = budget.period();
		this.jdbc
			.sql("""
					UPDATE budgets SET name = :name, limit_amount = :limit, metadata = CAST(:metadata AS jsonb), mode = :mode,
					    thresholds = CAST(:thresholds AS jsonb), downgrade_at = :downgradeAt, max_amount_per_call = :maxAmountPerCall,
					    max_tokens_per_call = :maxTokensPerCall, max_calls_per_period = :maxCallsPerPeriod,
					    max_concurrent_holds = :maxConcurrentHolds, rollover = :rollover, rollover_cap = :rolloverCap,
					    max_overrun_ratio = :maxOverrunRatio, max_overrun = :maxOverrun, overrun_action = :overrunAction,
					    allowed_models = CAST(:allowedModels AS text[]), max_hold_output_tokens = :maxHoldOutputTokens,
					    updated_at = :now
					WHERE id = :id""")
			.param("id", id)
			.param("name", pick(changes, "name", changes.name(), budget.name()))
			.param("limit", pick(changes, "limit", changes.limit(), budget.limit()))
			.param("metadata", this.metadata.write(pick(changes, "metadata", changes.metadata(), budget.metadata())))
			.param("mode", pick(changes, "mode", changes.mode(), policy.mode()).name())
			.param("thresholds",
					this.json
						.writeValueAsString(pick(changes, "thresholds", changes.thresholds(), policy.thresholds())))
			.param("downgradeAt", pickNullable(changes, "downgradeAt", changes.downgradeAt(), policy.downgradeAt()))
			.param("maxAmountPerCall",
					pickNullable(changes, "maxAmountPerCall", changes.maxAmountPerCall(), policy.maxAmountPerCall()))
			.param("maxTokensPerCall",
					pickNullable(changes, "maxTokensPerCall", changes.maxTokensPerCall(), policy.maxTokensPerCall()))
			.param("maxCallsPerPeriod",
					pickNullable(changes, "maxCallsPerPeriod", changes.maxCallsPerPeriod(), policy.maxCallsPerPeriod()))
			.param("maxConcurrentHolds",
					pickNullable(changes, "maxConcurrentHolds", changes.maxConcurrentHolds(),
							policy.maxConcurrentHolds()))
			.param("maxOverrunRatio",
					pick(changes, "maxOverrunRatio", changes.maxOverrunRatio(), policy.overrun().maxRatio()))
			.param("maxOverrun", pickNullable(changes, "maxOverrun", changes.maxOverrun(), policy.overrun().max()))
			.param("overrunAction",
					pick(changes, "overrunAction", changes.overrunAction(), policy.overrun().action()).name())
			.param("rollover", pick(changes, "rollover", changes.rollover(), period.rollover()))
			.param("rolloverCap", pickNullable(changes, "rolloverCap", changes.rolloverCap(), period.rolloverCap()))
			.param("allowedModels",
					textArray(pickNullable(changes, "allowedModels", changes.allowedModels(), policy.allowedModels())))
			.param("maxHoldOutputTokens",
					pickNullable(changes, "maxHoldOutputTokens", changes.maxHoldOutputTokens(),
							policy.maxHoldOutputTokens()))
			.param("now", Timestamp.from(now))
			.update();
		if (BudgetChanges.RUN_AND_MINUTE_FIELDS.stream().anyMatch(changes::has)) {
			RunAndMinuteCaps caps = policy.runAndMinute();
			RunAndMinuteCaps asked = changes.runAndMinute();
			writeRunAndMinuteCaps(id, new RunAndMinuteCaps(
					pickNullable(changes, "maxCallsPerRun", asked.maxCallsPerRun(), caps.maxCallsPerRun()),
					pickNullable(changes, "maxAmountPerRun", asked.maxAmountPerRun(), caps.maxAmountPerRun()),
					pickNullable(changes, "maxRequestsPerMinute", asked.maxRequestsPerMinute(),
							caps.maxRequestsPerMinute()),
					pickNullable(changes, "maxTokensPerMinute", asked.maxTokensPerMinute(), caps.maxTokensPerMinute())),
					now);
		}
		BigDecimal limit = changes.limit();
		if (changes.has("limit") && limit != null && limit.compareTo(budget.limit()) != 0) {
			this.journal.entry(id, EntryKind.LIMIT_CHANGE, limit, BigDecimal.ZERO, limit, null, null, now);
		}
		Mode mode = changes.mode();
		if (changes.has("mode") && mode != null && mode != policy.mode()) {
			this.journal.entry(id, EntryKind.MODE_CHANGE, BigDecimal.ZERO, BigDecimal.ZERO, null, null, mode.name(),
					now);
		}
		return audited(actor, AuditAction.BUDGET_UPDATE, budget);
	}

	/**
	 * The kill switch: from the commit on, every new reservation on this budget or below
	 * it is denied with BUDGET_FROZEN. Existing holds can still be settled or released.
	 * Freezing a frozen budget only updates the reason.
	 */
	@Transactional
	public Budget freeze(UUID id, String reason, Actor actor) {
		Instant now = now();
		Budget budget = this.locks.budget(id);
		this.jdbc.sql("""
				UPDATE budgets SET status = 'FROZEN', frozen_reason = :reason, frozen_at = coalesce(frozen_at, :now),
				    updated_at = :now WHERE id = :id""")
			.param("id", id)
			.param("reason", reason)
			.param("now", Timestamp.from(now))
			.update();
		if (!budget.frozen() || !reason.equals(budget.frozenReason())) {
			this.journal.entry(id, EntryKind.FREEZE, BigDecimal.ZERO, BigDecimal.ZERO, null, null, reason, now);
			this.events.record(EventType.FROZEN, id, budget.rootId(), null, Map.of("reason", reason), now);
		}
		return audited(actor, AuditAction.BUDGET_FREEZE, budget);
	}

	@Transactional
	public Budget unfreeze(UUID id, Actor actor) {
		Instant now = now();
		Budget budget = this.locks.budget(id);
		if (budget.frozen()) {
			this.jdbc.sql("""
					UPDATE budgets SET status = 'ACTIVE', frozen_reason = NULL, frozen_at = NULL, updated_at = :now
					WHERE id = :id""").param("id", id).param("now", Timestamp.from(now)).update();
			this.journal.entry(id, EntryKind.UNFREEZE, BigDecimal.ZERO, BigDecimal.ZERO, null, null, null, now);
			this.events.record(EventType.UNFROZEN, id, budget.rootId(), null, Map.of(), now);
		}
		return audited(actor, AuditAction.BUDGET_UNFREEZE, budget);
	}

	/**
	 * Closes a budget: from the commit on, every new reservation on it or below it is
	 * denied with BUDGET_CLOSED, and no child is made under it for a new subject. Holds
	 * already placed can still be settled or released; its history stays. Journaled
	 * (CLOSE) and evented (budget.closed) when it was open; closing a closed budget
	 * changes nothing.
	 */
	@Transactional
	public Budget close(UUID id, Actor actor) {
		Instant now = now();
		Budget budget = this.locks.budget(id);
		if (!budget.closed()) {
			this.jdbc.sql("UPDATE budgets SET closed_at = :now, updated_at = :now WHERE id = :id")
				.param("id", id)
				.param("now", Timestamp.from(now))
				.update();
			this.journal.entry(id, EntryKind.CLOSE, BigDecimal.ZERO, BigDecimal.ZERO, null, null, null, now);
			this.events.record(EventType.CLOSED, id, budget.rootId(), null, Map.of(), now);
		}
		return audited(actor, AuditAction.BUDGET_CLOSE, budget);
	}

	/**
	 * Reopens a closed budget (journaled as REOPEN, evented as budget.reopened);
	 * reopening an open one changes nothing.
	 */
	@Transactional
	public Budget reopen(UUID id, Actor actor) {
		Instant now = now();
		Budget budget = this.locks.budget(id);
		if (budget.closed()) {
			this.jdbc.sql("UPDATE budgets SET closed_at = NULL, updated_at = :now WHERE id = :id")
				.param("id", id)
				.param("now", Timestamp.from(now))
				.update();
			this.journal.entry(id, EntryKind.REOPEN, BigDecimal.ZERO, BigDecimal.ZERO, null, null, null, now);
			this.events.record(EventType.REOPENED, id, budget.rootId(), null, Map.of(), now);
		}
		return audited(actor, AuditAction.BUDGET_REOPEN, budget);
	}

	/**
	 * A template must make budgets that could be created under this one: within the rules
	 * of a create body, one level deeper, and counting money in the tree's currency.
	 */
	private void checkTemplate(ChildTemplate template, int depth, UUID rootId, String unit) {
		BudgetRules.check(template.spec());
		if (depth >= BudgetRules.MAX_DEPTH - 1) {
			throw new InvalidRequestException("childTemplate",
					"this budget is at the deepest level; budgets nest at most " + BudgetRules.MAX_DEPTH + " levels");
		}
		if (!Budget.TOKENS.equals(template.unit())) {
			List<String> currencies = this.jdbc
				.sql("SELECT DISTINCT unit FROM budgets WHERE root_id = :root AND unit <> 'TOKENS' AND unit <> :unit")
				.param("root", rootId)
				.param("unit", template.unit())
				.query(String.class)
				.list();
			if (!currencies.isEmpty() || (!Budget.TOKENS.equals(unit) && !unit.equals(template.unit()))) {
				throw new InvalidRequestException("childTemplate.unit",
						"money budgets in one tree share a currency; this tree counts money in "
								+ (currencies.isEmpty() ? unit : currencies.get(0)));
			}
		}
	}

	/**
	 * Sets a budget's caps per run and per minute, on the row the caller has locked or
	 * just inserted (a statement of its own, so the open and patch statements stay as
	 * they are).
	 */
	private void writeRunAndMinuteCaps(UUID id, RunAndMinuteCaps caps, Instant now) {
		this.jdbc.sql("""
				UPDATE budgets SET max_calls_per_run = :calls, max_amount_per_run = :amount,
				    max_requests_per_minute = :requests, max_tokens_per_minute = :tokens, updated_at = :now
				WHERE id = :id""")
			.param("id", id)
			.param("calls", caps.maxCallsPerRun())
			.param("amount", caps.maxAmountPerRun())
			.param("requests", caps.maxRequestsPerMinute())
			.param("tokens", caps.maxTokensPerMinute())
			.param("now", Timestamp.from(now))
			.update();
	}

	/**
	 * The audit entry of an admin change of one budget: {@code before} as read under its
	 * row lock, and after.
	 */
	private Budget audited(Actor actor, AuditAction action, Budget before) {
		Budget after = this.budgets.get(before.id());
		this.audit.record(actor, action, before.id().toString(), BudgetResponse.of(before), BudgetResponse.of(after));
		return after;
	}

	private static <T> T pick(BudgetChanges changes, String field, @Nullable T value, T current) {
		return (changes.has(field) && value != null) ? value : current;
	}

	private static <T> @Nullable T pickNullable(BudgetChanges changes, String field, @Nullable T value,
			@Nullable T current) {
		return changes.has(field) ? value : current;
	}

	private static @Nullable Timestamp timestamp(@Nullable Instant instant) {
		return (instant != null) ? Timestamp.from(instant) : null;
	}

	/** PostgreSQL array literal; ids are UUIDs, so nothing needs quoting. */
	private static String uuidArray(List<UUID> ids) {
		return "{" + String.join(",", ids.stream().map(UUID::toString).toList()) + "}";
	}

	/**
	 * PostgreSQL array literal of model names, or null. Each is quoted; the request
	 * pattern admits no quote or backslash, so nothing needs escaping.
	 */
	private static @Nullable String textArray(@Nullable List<String> names) {
		return (names == null) ? null
				: "{" + String.join(",", names.stream().map(name -> '"' + name + '"').toList()) + "}";
	}

	private Instant now() {
		return this.clock.instant().truncatedTo(ChronoUnit.MICROS);
	}

}
