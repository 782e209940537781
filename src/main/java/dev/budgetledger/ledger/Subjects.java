package dev.budgetledger.ledger;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetNotFoundException;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.budget.ChildTemplate;
import dev.budgetledger.budget.NoChildTemplateException;
import dev.budgetledger.errors.ApiException;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.reservation.ReserveOutcome;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.interceptor.TransactionAspectSupport;

/**
 * Reserves that name a parent budget and a subject (an end user, a tenant): each is
 * served on the parent's child for that subject, which the first such reserve makes from
 * the parent's {@code childTemplate}, in its own transaction, while it holds the parent's
 * chain locked. The lock makes concurrent first reserves of one subject wait for each
 * other rather than fail: the first makes the child (journaled OPEN, audited
 * BUDGET_CREATE, as any new budget), the others find it. The schema's unique (parent,
 * subject) says the same once more. No child is made under a closed budget: the reserve
 * is decided on the parent's chain instead, and denied BUDGET_CLOSED.
 */
@Component
public class Subjects {

	private final Ledger ledger;

	private final Budgets budgets;

	private final BudgetAdministration administration;

	private final JdbcClient jdbc;

	/** The caches are forgotten past this size; they only save lookups. */
	private static final int MAX_KNOWN = 100_000;

	/**
	 * Children of subjects seen committed by this instance. A child never moves, is never
	 * deleted and keeps its subject, so a cached one is never stale.
	 */
	private final Map<Key, UUID> children = new ConcurrentHashMap<>();

	private record Key(UUID parentId, String subject) {
	}

	Subjects(Ledger ledger, Budgets budgets, BudgetAdministration administration, JdbcClient jdbc) {
		this.ledger = ledger;
		this.budgets = budgets;
		this.administration = administration;
		this.jdbc = jdbc;
	}

	/**
	 * The child of {@code parentId} for {@code subject} if it exists (committed), read
	 * once per instance; null when there is none yet.
	 */
	public @Nullable UUID child(UUID parentId, String subject) {
		Key key = new Key(parentId, subject);
		UUID known = this.children.get(key);
		if (known != null) {
			return known;
		}
		UUID found = this.budgets.subjectChild(parentId, subject).orElse(null);
		if (found != null) {
			if (this.children.size() > MAX_KNOWN) {
				this.children.clear();
			}
			this.children.put(key, found);
		}
		return found;
	}

	/**
	 * Serves a reserve on {@code command.budgetId()}'s child for {@code subject} in a
	 * batch that holds the parent's chain (or the child's, when the caller already knew
	 * it as {@code knownChild}), making the child first if it does not exist.
	 * @throws BudgetNotFoundException if the parent does not exist or lies outside
	 * {@code scope}
	 * @throws NoChildTemplateException if the child must be made and the parent has no
	 * template
	 */
	public ReserveOutcome reserve(LedgerBatch batch, ReserveCommand command, String subject, @Nullable UUID knownChild,
			Actor actor, @Nullable UUID scope) {
		return serve(batch, command, subject, knownChild, actor, scope, false);
	}

	/**
	 * What such a reserve would get now: the very same code, child made if need be, in a
	 * transaction that is rolled back, so nothing is made, held, counted or recorded.
	 */
	@Transactional
	public ReserveOutcome decide(ReserveCommand command, String subject, Actor actor, @Nullable UUID scope) {
		LedgerBatch batch = this.ledger.lockForBatch(List.of(command.budgetId()), List.of());
		ReserveOutcome outcome = serve(batch, command, subject, null, actor, scope, true);
		TransactionAspectSupport.currentTransactionStatus().setRollbackOnly();
		return outcome;
	}

	private ReserveOutcome serve(LedgerBatch batch, ReserveCommand command, String subject, @Nullable UUID knownChild,
			Actor actor, @Nullable UUID scope, boolean dryRun) {
		UUID parentId = command.budgetId();
		List<Budget> chain = batch.chain(parentId);
		if (chain == null || (scope != null && chain.stream().noneMatch(level -> level.id().equals(scope)))) {
			throw new BudgetNotFoundException(parentId);
		}
		UUID childId = (knownChild != null) ? knownChild : this.budgets.subjectChild(parentId, subject).orElse(null);
		if (childId != null) {
			if (!batch.holds(childId)) {
				batch.add(this.ledger.lockAndRollBelow(childId, batch.now()));
			}
			return on(batch, command.onBudget(childId), scope, dryRun);
		}
		if (chain.stream().anyMatch(Budget::closed)) {
			return on(batch, command, scope, dryRun);
		}
		Budget parent = chain.get(chain.size() - 1);
		ChildTemplate template = parent.childTemplate();
		if (template == null) {
			throw new NoChildTemplateException(parentId, subject);
		}
		// A reserve refused after the child is made (say, in a currency the tree does
		// not count) must leave nothing behind, the child included, while the rest of
		// its batch goes on: a savepoint.
		this.jdbc.sql("SAVEPOINT subject_child").update();
		Budget child = null;
		try {
			child = this.administration.openChild(parent, template, subject, actor, batch.now());
			batch.add(child);
			ReserveOutcome outcome = on(batch, command.onBudget(child.id()), scope, dryRun);
			this.jdbc.sql("RELEASE SAVEPOINT subject_child").update();
			return outcome;
		}
		catch (ApiException ex) {
			this.jdbc.sql("ROLLBACK TO SAVEPOINT subject_child").update();
			if (child != null) {
				batch.forget(child.id());
			}
			throw ex;
		}
	}

	private static ReserveOutcome on(LedgerBatch batch, ReserveCommand command, @Nullable UUID scope, boolean dryRun) {
		return dryRun ? batch.decide(command, scope) : batch.reserve(command, scope);
	}

}
