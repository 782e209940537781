package dev.budgetledger.ledger;

import dev.budgetledger.alerting.Denials;
import dev.budgetledger.alerting.ExhaustionForecast;
import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetNotFoundException;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.budget.CurrencyMismatchException;
import dev.budgetledger.budget.Metadata;
import dev.budgetledger.budget.OverrunAction;
import dev.budgetledger.budget.OverrunPolicy;
import dev.budgetledger.budget.PeriodRoll;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.journal.EntryKind;
import dev.budgetledger.reservation.Ask;
import dev.budgetledger.reservation.ChargeCommand;
import dev.budgetledger.reservation.Charged;
import dev.budgetledger.reservation.Decider;
import dev.budgetledger.reservation.DenyReason;
import dev.budgetledger.reservation.DirectCharge;
import dev.budgetledger.reservation.ExtendOutcome;
import dev.budgetledger.reservation.NotTokenPricedException;
import dev.budgetledger.reservation.OverrunLimitExceededException;
import dev.budgetledger.reservation.Reservation;
import dev.budgetledger.reservation.ReservationExpiredException;
import dev.budgetledger.reservation.ReservationNotFoundException;
import dev.budgetledger.reservation.ReservationNotSettledException;
import dev.budgetledger.reservation.ReservationReleasedException;
import dev.budgetledger.reservation.ReservationSettings;
import dev.budgetledger.reservation.ReservationSettledException;
import dev.budgetledger.reservation.ReservationStatus;
import dev.budgetledger.reservation.Reservations;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.reservation.SettleCommand;
import dev.budgetledger.reservation.Settlement;
import dev.budgetledger.reservation.SettlementConflictException;
import dev.budgetledger.reservation.TokensRequiredException;
import dev.budgetledger.shared.Ids;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.events.EventType;
import dev.budgetledger.events.Events;
import dev.budgetledger.ledger.LedgerWrites.Delta;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.TokenPrice;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.interceptor.TransactionAspectSupport;

/**
 * The only code that changes a budget. Every method runs in one transaction that locks
 * what it changes, checks, changes, and appends the journal entries for the change, so
 * {@code spent} and {@code reserved} always equal the sums of the journal.
 * <p>
 * <b>Lock order</b>, the same in every path so none can deadlock: a reservation row first
 * (if any), then budget rows by (depth, id), i.e. root to leaf. Paths that hold budget
 * locks only ever take reservation locks with {@code SKIP LOCKED}, which never waits.
 * <p>
 * A reservation on a budget holds on that budget and on every ancestor: money on money
 * budgets, tokens on token budgets. Plain SQL on purpose: this is the hot path. A reserve
 * or settle computes its answer in Java on the locked rows and leaves its writes
 * (reservation, journal entries, balances of the whole chain) to {@link LedgerWrites},
 * which sends those of a whole batch in one round trip before the commit.
 */
@Component
public class Ledger {

	private final JdbcClient jdbc;

	private final Clock clock;

	private final Locks locks;

	private final Budgets budgets;

	private final Reservations reservations;

	private final Metadata metadata;

	private final Journal journal;

	private final ReservationSettings settings;

	private final MeterRegistry meters;

	private final Counter expiredHolds;

	private final Timer settleTimer;

	private final Events events;

	private final Denials denials;

	private final ExhaustionForecast forecast;

	private final LedgerMetrics metrics;

	private final BudgetScope scope;

	private final RunAndMinuteCounters counters;

	Ledger(JdbcClient jdbc, Clock clock, Budgets budgets, Reservations reservations, Metadata metadata, Journal journal,
			ReservationSettings settings, MeterRegistry meters, Events events, Denials denials,
			ExhaustionForecast forecast, LedgerMetrics metrics, BudgetScope scope, Locks locks,
			RunAndMinuteCounters counters) {
		this.counters = counters;
		this.locks = locks;
		this.journal = journal;
		this.scope = scope;
		this.events = events;
		this.denials = denials;
		this.forecast = forecast;
		this.metrics = metrics;
		this.jdbc = jdbc;
		this.clock = clock;
		this.budgets = budgets;
		this.reservations = reservations;
		this.metadata = metadata;
		this.settings = settings;
		this.meters = meters;
		this.expiredHolds = Counter.builder("budget_ledger.holds.expired")
			.description("Holds returned to their budget because the caller never settled or released them")
			.register(meters);
		this.settleTimer = Timer.builder("budget_ledger.settle")
			.description("Time to settle a reservation, lock to commit")
			.publishPercentileHistogram()
			.register(meters);
	}

	// ---------------------------------------------------------------- reservations

	/**
	 * The decision a reserve would get now, as a caller limited to the subtree of
	 * {@code scope} sees it, from the very same code as a reserve, in a transaction that
	 * is rolled back: nothing is held, counted or recorded.
	 */
	@Transactional
	public ReserveOutcome decide(ReserveCommand command, @Nullable UUID scope) {
		Instant now = now();
		ReserveOutcome outcome = reserveOn(lockAndRoll(command.budgetId(), now), command, scope, true, now, writes())
			.outcome();
		TransactionAspectSupport.currentTransactionStatus().setRollbackOnly();
		return outcome;
	}

	/**
	 * Lets the scope check before the lock know the budget of a reservation this instance
	 * made.
	 */
	void learnHold(UUID reservationId, UUID budgetId) {
		this.scope.learnHold(reservationId, budgetId);
	}

	/**
	 * Times settlements, lock to commit; a coalesced batch records each of its settles
	 * with the batch's time.
	 */
	Timer settleTimer() {
		return this.settleTimer;
	}

	/**
	 * Times reserves inside their transaction; a coalesced batch records each of its
	 * reserves with the batch's time.
	 */
	Timer reserveTimer() {
		return this.metrics.reserveTimer();
	}

	/**
	 * A buffer for the writes of reserves and settles made in the current transaction.
	 */
	LedgerWrites writes() {
		return new LedgerWrites(this.jdbc);
	}

	/**
	 * As {@link #lockForBatch(Collection)}, also for settles: locks the reservations
	 * first (by id), then the union of the reserves' and the reservations' chains, the
	 * lock order of every path.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public LedgerBatch lockForBatch(Collection<UUID> leafIds, Collection<UUID> reservationIds) {
		Instant now = now();
		List<Reservation> holds = reservationIds.isEmpty() ? List.of()
				: this.locks.reservations(List.copyOf(reservationIds));
		java.util.Set<UUID> leaves = new java.util.LinkedHashSet<>(leafIds);
		holds.forEach(hold -> leaves.add(hold.budgetId()));
		leafIds = leaves;
		List<Budget> locked = leaves.isEmpty() ? List.of() : this.locks.chains(List.copyOf(leafIds));
		locked.forEach(budget -> this.scope.learn(budget.id(), budget.ancestors()));
		boolean rolled = false;
		for (Budget level : locked) {
			PeriodRoll roll = PeriodRoll.of(level, now).orElse(null);
			if (roll != null) {
				startPeriod(level, roll, now);
				rolled = true;
			}
		}
		return new LedgerBatch(this, this.locks, rolled ? this.locks.chains(List.copyOf(leafIds)) : locked, holds,
				writes(), now);
	}

	/** What one reserve answered, and its (locked) chain as it stands afterwards. */
	record Held(ReserveOutcome outcome, List<Budget> chain, boolean expiredOthers) {
	}

	/**
	 * Decides and, on ALLOW, holds on the budget and every ancestor, on a chain the
	 * caller has locked and rolled. When a budget lacks room (or holds), overdue holds in
	 * the chain are expired first so a late sweep never causes a deny, then the decision
	 * is made again. For a caller limited to the subtree of {@code scope}, a budget
	 * outside it is answered as missing, checked on the locked chain (its ancestors), so
	 * it costs no round trip. The reservation, its journal entries and the chain's
	 * balances go to {@code writes}, which the caller flushes before the commit.
	 */
	Held reserveOn(List<Budget> chain, ReserveCommand command, @Nullable UUID scope, boolean dryRun, Instant now,
			LedgerWrites writes) {
		UUID leafId = command.budgetId();
		if (!inScope(chain, scope)) {
			throw new BudgetNotFoundException(leafId);
		}
		Ask ask = command.ask();
		if (ask.currency() == null) {
			ask = ask.withCurrency(chain.stream()
				.filter(level -> !level.countsTokens())
				.map(Budget::unit)
				.findFirst()
				.orElseThrow(() -> new TokensRequiredException(leafId)));
		}
		String runId = command.runId();
		Decider.Decision decision = Decider.decide(chain, ask, this.counters.read(chain, runId, now, writes));
		boolean expired = false;
		if (decision instanceof Decider.Deny deny && (deny.reason() == DenyReason.INSUFFICIENT_FUNDS
				|| deny.reason() == DenyReason.CONCURRENCY_LIMIT || deny.reason() == DenyReason.RUN_AMOUNT_LIMIT)
				&& expireOverdueIn(chain, now, writes) > 0) {
			expired = true;
			chain = this.locks.chain(leafId);
			decision = Decider.decide(chain, ask, this.counters.read(chain, runId, now, writes));
		}
		if (decision instanceof Decider.Deny deny) {
			// Counted on every level, as calls are: a budget's deniedCount covers it and
			// everything below it, this period.
			this.jdbc.sql("UPDATE budgets SET denied_count = denied_count + 1 WHERE id IN (:chain)")
				.param("chain", chain.stream().map(Budget::id).toList())
				.update();
			if (!dryRun) {
				count("DENY", deny.reason().name());
				Budget leaf = chain.get(chain.size() - 1);
				this.denials.record(leaf, deny, ask, command.apiKeyId(), runId, command.metadata(), now);
				Map<String, Object> data = new java.util.LinkedHashMap<>(Map.of("reason", deny.reason().name(),
						"limitingBudgetId", deny.limitingBudgetId().toString(), "unit", deny.unit(), "requested",
						Amounts.format(deny.requested(), Budget.TOKENS.equals(deny.unit())), "available",
						Amounts.format(deny.available(), Budget.TOKENS.equals(deny.unit()))));
				if (runId != null) {
					data.put("runId", runId);
				}
				if (deny.retryAfterSeconds() != null) {
					data.put("retryAfterSeconds", deny.retryAfterSeconds());
				}
				this.events.recordDenied(leafId, leaf.rootId(), data, now);
			}
			boolean limitedAbove = !visibleId(chain, deny.limitingBudgetId(), scope);
			return new Held(
					new ReserveOutcome.Denied(deny.reason(), leafId, deny.limitingBudgetId(), deny.unit(),
							deny.requested(), deny.available(), limitedAbove, runId, deny.retryAfterSeconds()),
					chain, expired);
		}
		Decider.Allow allow = (Decider.Allow) decision;
		Ask.Option chosen = allow.chosen();
		Ask.Option requested = ask.requested();
		String currency = java.util.Objects.requireNonNull(ask.currency());
		TokenPrice price = chosen.price();
		UUID id = Ids.newId(now);
		Instant expiresAt = now.plus(command.ttl());
		BigDecimal tokens = BigDecimal.valueOf((chosen.tokens() != null) ? chosen.tokens() : 0L);
		UUID rootId = chain.get(0).rootId();
		Reservation reservation = new Reservation(id, leafId, ReservationStatus.HELD, currency, chosen.amount(),
				chosen.tokens(), null, null, null, price, allow.downgraded() ? requested.model() : null,
				allow.downgraded(), allow.capped(), chosen.inputTokens(), chosen.maxOutputTokens(), null, false,
				command.metadata(), expiresAt, now, now, null, null, BigDecimal.ZERO, runId);
		writes.hold(reservation, rootId, this.metadata.write(command.metadata()), command.apiKeyId(),
				command.idempotencyKey());
		writes.move(chain, id, EntryKind.RESERVE, new Delta(chosen.amount(), BigDecimal.ZERO, chosen.amount()),
				new Delta(tokens, BigDecimal.ZERO, tokens), 1, 1);
		this.counters.allowed(chain, runId, id, chosen, now, writes);
		List<String> warnings = new ArrayList<>(allow.warnings());
		List<ReserveOutcome.ThresholdCrossing> crossings = new ArrayList<>();
		Function<Budget, BigDecimal> change = level -> Decider.hold(level, chosen);
		emitUsageEvents(chain, change, id, now);
		List<Budget> locked = chain;
		for (Decider.Crossing crossing : recordCrossings(chain, change, id, now)) {
			if (!visibleId(locked, crossing.budgetId(), scope)) {
				continue; // recorded and evented for those who may see that budget, not
							// told to this caller
			}
			crossings.add(new ReserveOutcome.ThresholdCrossing(crossing.budgetId(), crossing.threshold()));
			String warning = Decider.thresholdWarning(crossing.threshold());
			if (!warnings.contains(warning)) {
				warnings.add(warning);
			}
		}
		if (!dryRun) {
			count("ALLOW", allow.downgraded() ? "DOWNGRADED" : allow.capped() ? "CAPPED" : "NONE");
		}
		Budget leaf = chain.get(chain.size() - 1);
		return new Held(
				new ReserveOutcome.Allowed(reservation, leaf.available().subtract(Decider.hold(leaf, chosen)),
						leaf.unit(), warnings, crossings),
				chain.stream().map(level -> withHold(level, change.apply(level))).toList(), expired);
	}

	/**
	 * What one settle answered, the reservation and its (locked) chain as they stand
	 * afterwards.
	 */
	record Settled(Settlement settlement, Reservation reservation, List<Budget> chain) {
	}

	/**
	 * Settles a reservation the caller has locked, on its chain, which the caller has
	 * locked and rolled: charges what was actually spent, on every budget of the chain,
	 * in the period current at settlement. Always recorded, even above the hold (an
	 * overrun) or after the hold expired (a late settlement): the money was spent either
	 * way. Settling again with the same figures changes nothing and answers the same;
	 * with other figures it is a conflict. For a caller limited to the subtree of
	 * {@code scope}, a reservation outside it is answered as missing, before anything
	 * else is said about it. The settled reservation, its journal entries and the chain's
	 * balances go to {@code writes}, which the caller flushes before the commit.
	 */
	Settled settleOn(Reservation reservation, List<Budget> chain, SettleCommand command, @Nullable UUID scope,
			Instant now, LedgerWrites writes) {
		if (!inScope(chain, scope)) {
			throw new ReservationNotFoundException(reservation.id());
		}
		if (command.currency() != null && !command.currency().equals(reservation.currency())) {
			throw new CurrencyMismatchException(reservation.currency(), command.currency());
		}
		TokenPrice.Usage usage = command.usage();
		BigDecimal asked = LedgerWrites.stored(actualCost(reservation, command));
		Long askedTokens = (usage != null) ? usage.total() : null;
		if (askedTokens == null && chain.stream().anyMatch(Budget::countsTokens)) {
			throw new TokensRequiredException(
					chain.stream().filter(Budget::countsTokens).findFirst().orElseThrow().id());
		}
		Budget leaf = chain.get(chain.size() - 1);
		switch (reservation.status()) {
			case SETTLED -> {
				// A capped settle is answered again for what it asked, not for the
				// ceiling it was charged.
				BigDecimal before = (reservation.claimed() != null) ? reservation.claimed()
						: Reservations.zeroIfNull(reservation.charged());
				Long tokensBefore = (reservation.usage() != null) ? Long.valueOf(reservation.usage().total())
						: reservation.chargedTokens();
				boolean sameTokens = askedTokens == null || askedTokens.equals(tokensBefore);
				if (before.compareTo(asked) != 0 || !sameTokens) {
					throw new SettlementConflictException(reservation.id(), before, asked);
				}
				return new Settled(new Settlement(reservation, leaf), reservation, chain);
			}
			case RELEASED -> throw new ReservationReleasedException(reservation.id());
			case HELD, EXPIRED -> {
				Charge charge = command.allowOverrun() ? new Charge(asked, askedTokens)
						: withinCeilings(chain, reservation, asked, askedTokens);
				BigDecimal actual = charge.amount();
				Long actualTokens = charge.tokens();
				BigDecimal claimed = (actual.compareTo(asked) < 0) ? asked : null;
				boolean held = reservation.status() == ReservationStatus.HELD;
				BigDecimal released = held ? reservation.amount().subtract(actual).max(BigDecimal.ZERO)
						: Reservations.zeroIfNull(reservation.released());
				boolean late = !held || !now.isBefore(reservation.expiresAt());
				BigDecimal spentTokens = BigDecimal.valueOf((actualTokens != null) ? actualTokens : 0L);
				BigDecimal heldMoney = held ? reservation.amount() : BigDecimal.ZERO;
				BigDecimal heldTokens = held ? BigDecimal.valueOf(nonNull(reservation.tokens())) : BigDecimal.ZERO;
				// The settled reservation as the database will store it: the answer is
				// built here, the writes are sent
				// by the caller (with the rest of its batch) before the commit.
				Reservation settled = new Reservation(reservation.id(), reservation.budgetId(),
						ReservationStatus.SETTLED, reservation.currency(), reservation.amount(), reservation.tokens(),
						actual, actualTokens, LedgerWrites.stored(released), reservation.price(),
						reservation.requestedModel(), reservation.downgraded(), reservation.capped(),
						reservation.inputTokens(), reservation.maxOutputTokens(), usage, late, reservation.metadata(),
						reservation.expiresAt(), reservation.createdAt(), now,
						(reservation.finishedAt() != null) ? reservation.finishedAt() : now, claimed,
						reservation.adjustment(), reservation.runId());
				writes.settle(settled);
				writes.move(chain, reservation.id(), EntryKind.SETTLE, new Delta(actual, actual, heldMoney.negate()),
						new Delta(spentTokens, spentTokens, heldTokens.negate()), held ? -1 : 0, 0);
				if (actual.compareTo(reservation.amount()) > 0 || settled.overrunCapped()) {
					Map<String, Object> data = new java.util.LinkedHashMap<>();
					data.put("amount", Amounts.format(reservation.amount()));
					data.put("charged", Amounts.format(actual));
					data.put("overrun", Amounts.format(settled.overrun()));
					data.put("late", late);
					data.put("capped", settled.overrunCapped());
					if (claimed != null) {
						data.put("claimed", Amounts.format(claimed));
					}
					data.put("forced", command.allowOverrun());
					this.events.record(EventType.OVERRUN, reservation.budgetId(), leaf.rootId(), reservation.id(), data,
							now);
				}
				this.metrics.settled(reservation.currency(), actual, actual.compareTo(reservation.amount()) > 0);
				Function<Budget, BigDecimal> change = level -> level.countsTokens() ? spentTokens.subtract(heldTokens)
						: actual.subtract(heldMoney);
				// A run's amount is what it holds plus what it was charged: the charge,
				// as
				// stored, replaces the hold (a late settle's hold was given back at
				// expiry).
				BigDecimal storedCharge = LedgerWrites.stored(actual);
				this.counters.moved(chain, reservation, level -> level.countsTokens() ? spentTokens.subtract(heldTokens)
						: storedCharge.subtract(heldMoney), writes);
				emitUsageEvents(chain, change, reservation.id(), now);
				this.forecast.afterSettle(chain, level -> level.countsTokens() ? spentTokens : actual, change,
						reservation.id(), now);
				List<String> warnings = recordCrossings(chain, change, reservation.id(), now).stream()
					.filter(crossing -> visibleId(chain, crossing.budgetId(), scope))
					.map(crossing -> Decider.thresholdWarning(crossing.threshold()))
					.distinct()
					.toList();
				List<Budget> after = chain.stream()
					.map(level -> level.countsTokens() ? withSettle(level, spentTokens, heldTokens, held)
							: withSettle(level, actual, heldMoney, held))
					.toList();
				return new Settled(
						new Settlement(settled, leaf.available().subtract(change.apply(leaf)), leaf.unit(), warnings),
						settled, after);
			}
		}
		throw new IllegalStateException("Unknown status " + reservation.status());
	}

	/** What a settle charges: money, and tokens when it gave token counts. */
	private record Charge(BigDecimal amount, @Nullable Long tokens) {
	}

	/**
	 * Bounds a settle by the overrun ceiling of every budget of its chain
	 * ({@link OverrunPolicy}), each in its own unit: a budget that refuses beyond its
	 * ceiling refuses the settle; one that caps lowers the charge to its ceiling. The
	 * ceilings are measured from what the reservation held (its estimate), late
	 * settlements included.
	 */
	private static Charge withinCeilings(List<Budget> chain, Reservation reservation, BigDecimal asked,
			@Nullable Long askedTokens) {
		BigDecimal moneyCeiling = null;
		BigDecimal tokenCeiling = null;
		boolean refused = false;
		for (Budget level : chain) {
			OverrunPolicy policy = level.policy().overrun();
			BigDecimal ceiling = policy.ceiling(reservation.holdOn(level), level.countsTokens());
			BigDecimal charge = level.countsTokens() ? BigDecimal.valueOf(nonNull(askedTokens)) : asked;
			if (level.countsTokens()) {
				tokenCeiling = (tokenCeiling == null) ? ceiling : tokenCeiling.min(ceiling);
			}
			else {
				moneyCeiling = (moneyCeiling == null) ? ceiling : moneyCeiling.min(ceiling);
			}
			refused |= charge.compareTo(ceiling) > 0 && policy.action() == OverrunAction.REJECT;
		}
		if (refused) {
			throw new OverrunLimitExceededException(reservation.id(), asked, moneyCeiling, tokenCeiling);
		}
		BigDecimal amount = (moneyCeiling != null) ? asked.min(moneyCeiling) : asked;
		Long tokens = (askedTokens != null && tokenCeiling != null)
				? Long.valueOf(Math.min(askedTokens, tokenCeiling.longValueExact())) : askedTokens;
		return new Charge(amount, tokens);
	}

	/**
	 * Corrects what a settled reservation was charged (an ADMIN's correction; to zero it
	 * is a reversal): the SETTLE stays, every money budget of the chain gets an ADJUST
	 * entry moving its spent by the change, in the current period, with {@code reason} as
	 * its note, and the reservation adds the change to its {@code adjustment}. Correcting
	 * to the net charge it already has changes nothing. Token budgets count tokens used,
	 * which stay.
	 */
	@Transactional
	public Correction adjust(UUID reservationId, BigDecimal netCharge, String reason) {
		Instant now = now();
		Reservation reservation = this.locks.reservation(reservationId);
		if (reservation.status() != ReservationStatus.SETTLED || reservation.netCharged() == null) {
			throw new ReservationNotSettledException(reservationId, reservation.status());
		}
		BigDecimal target = LedgerWrites.stored(netCharge);
		BigDecimal before = reservation.netCharged();
		BigDecimal delta = target.subtract(before);
		List<Budget> chain = lockAndRoll(reservation.budgetId(), now);
		if (delta.signum() == 0) {
			return new Correction(reservation, before, BigDecimal.ZERO, false);
		}
		for (Budget level : chain) {
			if (!level.countsTokens() && level.spent().add(delta).signum() < 0) {
				throw new dev.budgetledger.errors.InvalidRequestException("charged", "would take what a budget of the "
						+ "chain has spent this period below zero; a charge of a closed period is corrected at most by "
						+ "what the current period has spent");
			}
		}
		List<UUID> money = chain.stream().filter(level -> !level.countsTokens()).map(Budget::id).toList();
		this.jdbc
			.sql("""
					INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, spent_delta, note, created_at)
					SELECT id, root_id, :reservationId, 'ADJUST', :target, :delta, :reason, :now
					FROM budgets WHERE id IN (:money) ORDER BY depth""")
			.param("reservationId", reservationId)
			.param("target", target)
			.param("delta", delta)
			.param("reason", reason)
			.param("now", Timestamp.from(now))
			.param("money", money)
			.update();
		this.jdbc.sql("UPDATE budgets SET spent = spent + :delta, updated_at = :now WHERE id IN (:money)")
			.param("delta", delta)
			.param("now", Timestamp.from(now))
			.param("money", money)
			.update();
		if (reservation.runId() != null) {
			// The run's amount counts what its reservations cost now, corrections
			// included.
			this.jdbc.sql("""
					UPDATE run_usage SET amount = amount + :delta, updated_at = :now
					WHERE run_id = :run AND budget_id IN (:money)""")
				.param("delta", delta)
				.param("now", Timestamp.from(now))
				.param("run", reservation.runId())
				.param("money", money)
				.update();
		}
		this.jdbc.sql("""
				UPDATE reservations SET adjustment = adjustment + :delta, updated_at = :now WHERE id = :id""")
			.param("delta", delta)
			.param("now", Timestamp.from(now))
			.param("id", reservationId)
			.update();
		Budget leaf = chain.get(chain.size() - 1);
		this.events.record(EventType.ADJUSTED, reservation.budgetId(), leaf.rootId(), reservationId,
				Map.of("charged", Amounts.format(Objects.requireNonNull(reservation.charged(), "settled, so charged")),
						"before", Amounts.format(before), "after", Amounts.format(target), "change",
						Amounts.format(delta), "reason", reason),
				now);
		return new Correction(this.reservations.get(reservationId), before, delta, true);
	}

	/**
	 * Bounds a direct charge by a non-ADMIN key by the overrun policy of every budget of
	 * its chain, each in its own unit ({@link OverrunPolicy#chargeCeiling}): a charge is
	 * a settle without a hold, so what goes past a level's room is an overrun, and a
	 * client could otherwise exhaust a root it shares by charging what it could never
	 * have reserved. A level that refuses beyond its ceiling refuses the charge; one that
	 * caps lowers it to the ceiling.
	 */
	private static Charge chargeWithinCeilings(List<Budget> chain, UUID budgetId, BigDecimal asked,
			@Nullable Long askedTokens) {
		BigDecimal moneyCeiling = null;
		BigDecimal tokenCeiling = null;
		boolean refused = false;
		for (Budget level : chain) {
			OverrunPolicy policy = level.policy().overrun();
			BigDecimal ceiling = policy.chargeCeiling(level.available(), level.countsTokens());
			BigDecimal charge = level.countsTokens() ? BigDecimal.valueOf(nonNull(askedTokens)) : asked;
			if (level.countsTokens()) {
				tokenCeiling = (tokenCeiling == null) ? ceiling : tokenCeiling.min(ceiling);
			}
			else {
				moneyCeiling = (moneyCeiling == null) ? ceiling : moneyCeiling.min(ceiling);
			}
			refused |= charge.compareTo(ceiling) > 0 && policy.action() == OverrunAction.REJECT;
		}
		if (refused) {
			throw new OverrunLimitExceededException(budgetId, asked, askedTokens, moneyCeiling, tokenCeiling);
		}
		BigDecimal amount = (moneyCeiling != null) ? asked.min(moneyCeiling) : asked;
		Long tokens = (askedTokens != null && tokenCeiling != null)
				? Long.valueOf(Math.min(askedTokens, tokenCeiling.longValueExact())) : askedTokens;
		return new Charge(amount, tokens);
	}

	/**
	 * What a correction did.
	 *
	 * @param before the net charge before it
	 * @param change what it added to the charge (negative for a reduction)
	 * @param changed whether it changed anything (a correction to the current net charge
	 * does not)
	 */
	public record Correction(Reservation reservation, BigDecimal before, BigDecimal change, boolean changed) {
	}

	/**
	 * Books spend that already happened, without a hold (a direct charge): on every
	 * budget of the chain, money on money budgets and tokens on token budgets, in the
	 * period current now, journaled as CHARGE with the reason as its note. No limit, mode
	 * or freeze refuses it; one that goes past what some budget of the chain had
	 * available is booked and flagged {@code overLimit}. Unless {@code unbounded} (an
	 * ADMIN), how far past each level's room it may go is that level's overrun policy
	 * ({@link #chargeWithinCeilings}), as for a settle. It emits what a settle of the
	 * same spend would (exhaustion, thresholds, projections) and {@code budget.charged}.
	 */
	@Transactional
	public Charged charge(ChargeCommand command, @Nullable UUID scope) {
		Instant now = now();
		UUID leafId = command.budgetId();
		List<Budget> chain = lockAndRoll(leafId, now);
		if (!inScope(chain, scope)) {
			throw new BudgetNotFoundException(leafId);
		}
		TokenPrice price = command.price();
		TokenPrice.Usage usage = command.usage();
		String moneyUnit = chain.stream()
			.filter(level -> !level.countsTokens())
			.map(Budget::unit)
			.findFirst()
			.orElse(null);
		String currency = (command.currency() != null) ? command.currency()
				: (price != null) ? price.currency() : moneyUnit;
		if (currency == null) {
			throw new TokensRequiredException(leafId);
		}
		if (moneyUnit != null && !moneyUnit.equals(currency)) {
			throw new CurrencyMismatchException(moneyUnit, currency);
		}
		if (price != null && !price.currency().equals(currency)) {
			throw new CurrencyMismatchException(currency, price.currency());
		}
		if (usage == null && chain.stream().anyMatch(Budget::countsTokens)) {
			throw new TokensRequiredException(
					chain.stream().filter(Budget::countsTokens).findFirst().orElseThrow().id());
		}
		BigDecimal amount;
		if (command.amount() != null) {
			amount = LedgerWrites.stored(command.amount());
		}
		else if (price != null && usage != null) {
			amount = LedgerWrites.stored(price.cost(usage));
		}
		else {
			throw new dev.budgetledger.errors.InvalidRequestException("amount",
					"give either amount, or model with inputTokens and outputTokens");
		}
		BigDecimal requested = amount;
		Long requestedTokens = (usage != null) ? Long.valueOf(usage.total()) : null;
		Charge bounded = command.unbounded() ? new Charge(amount, requestedTokens)
				: chargeWithinCeilings(chain, leafId, amount, requestedTokens);
		amount = bounded.amount();
		Long tokens = bounded.tokens();
		BigDecimal cappedFrom = (amount.compareTo(requested) < 0) ? requested : null;
		Long cappedTokensFrom = (tokens != null && requestedTokens != null && tokens < requestedTokens)
				? requestedTokens : null;
		BigDecimal tokenCount = BigDecimal.valueOf((tokens != null) ? tokens : 0L);
		BigDecimal money = amount;
		Function<Budget, BigDecimal> change = level -> level.countsTokens() ? tokenCount : money;
		boolean overLimit = chain.stream()
			.anyMatch(
					level -> change.apply(level).signum() > 0 && change.apply(level).compareTo(level.available()) > 0);
		UUID id = Ids.newId(now);
		UUID rootId = chain.get(0).rootId();
		this.jdbc
			.sql("""
					INSERT INTO charges (id, budget_id, root_id, currency, amount, tokens, model, input_tokens, output_tokens,
					    cache_read_tokens, cache_write_tokens, reasoning_tokens, over_limit, requested_amount, requested_tokens,
					    reason, metadata, api_key_id, idempotency_key, created_at)
					VALUES (:id, :budgetId, :rootId, :currency, :amount, :tokens, :model, :input, :output, :cacheRead,
					    :cacheWrite, :reasoning, :overLimit, :requested, :requestedTokens, :reason, CAST(:metadata AS jsonb),
					    :apiKeyId, :idempotencyKey, :now)""")
			.param("id", id)
			.param("budgetId", leafId)
			.param("rootId", rootId)
			.param("currency", currency)
			.param("amount", amount)
			.param("tokens", tokens)
			.param("model", (price != null) ? price.model() : null)
			.param("input", (usage != null) ? usage.inputTokens() : null)
			.param("output", (usage != null) ? usage.outputTokens() : null)
			.param("cacheRead", (usage != null) ? usage.cacheReadTokens() : null)
			.param("cacheWrite", (usage != null) ? usage.cacheWriteTokens() : null)
			.param("reasoning", (usage != null) ? usage.reasoningTokens() : null)
			.param("overLimit", overLimit)
			.param("requested", cappedFrom)
			.param("requestedTokens", cappedTokensFrom)
			.param("reason", command.reason())
			.param("metadata", this.metadata.write(command.metadata()))
			.param("apiKeyId", command.apiKeyId())
			.param("idempotencyKey", command.idempotencyKey())
			.param("now", Timestamp.from(now))
			.update();
		List<UUID> levels = chain.stream().map(Budget::id).toList();
		// Root first, as every path journals a chain; each level in its own unit.
		this.jdbc.sql("""
				INSERT INTO journal_entries (budget_id, root_id, charge_id, kind, amount, spent_delta, note, created_at)
				SELECT id, root_id, :chargeId, 'CHARGE', CASE WHEN unit = 'TOKENS' THEN :tokens ELSE :amount END,
				    CASE WHEN unit = 'TOKENS' THEN :tokens ELSE :amount END, :reason, :now
				FROM budgets WHERE id IN (:levels) ORDER BY depth""")
			.param("chargeId", id)
			.param("tokens", tokenCount)
			.param("amount", amount)
			.param("reason", command.reason())
			.param("now", Timestamp.from(now))
			.param("levels", levels)
			.update();
		this.jdbc.sql("""
				UPDATE budgets SET spent = spent + CASE WHEN unit = 'TOKENS' THEN :tokens ELSE :amount END,
				    updated_at = :now
				WHERE id IN (:levels)""")
			.param("tokens", tokenCount)
			.param("amount", amount)
			.param("now", Timestamp.from(now))
			.param("levels", levels)
			.update();
		Budget leaf = chain.get(chain.size() - 1);
		Map<String, Object> data = new java.util.LinkedHashMap<>();
		data.put("chargeId", id.toString());
		data.put("amount", Amounts.format(amount));
		data.put("currency", currency);
		if (tokens != null) {
			data.put("tokens", tokens);
		}
		if (price != null) {
			data.put("model", price.model());
		}
		data.put("overLimit", overLimit);
		if (cappedFrom != null || cappedTokensFrom != null) {
			data.put("capped", true);
			data.put("requested", Amounts.format(requested));
			if (cappedTokensFrom != null) {
				data.put("requestedTokens", cappedTokensFrom);
			}
		}
		if (command.reason() != null) {
			data.put("reason", command.reason());
		}
		this.events.record(EventType.CHARGED, leafId, rootId, null, data, now);
		emitUsageEvents(chain, change, null, now);
		this.forecast.afterSettle(chain, change, change, null, now);
		List<String> warnings = recordCrossings(chain, change, null, now).stream()
			.filter(crossing -> visibleId(chain, crossing.budgetId(), scope))
			.map(crossing -> Decider.thresholdWarning(crossing.threshold()))
			.distinct()
			.toList();
		DirectCharge charge = new DirectCharge(id, leafId, currency, amount, tokens,
				(price != null) ? price.model() : null, usage, overLimit, cappedFrom, cappedTokensFrom,
				command.reason(), command.metadata(), now);
		return new Charged(charge, leaf.available().subtract(change.apply(leaf)), leaf.unit(), warnings);
	}

	/**
	 * Gives a hold back. Releasing twice, or after expiry, changes nothing; after a
	 * settlement it is a conflict.
	 */
	@Transactional
	public Settlement release(UUID reservationId) {
		Instant now = now();
		Reservation reservation = this.locks.reservation(reservationId);
		switch (reservation.status()) {
			case SETTLED -> throw new ReservationSettledException(reservationId);
			case RELEASED, EXPIRED -> {
				return new Settlement(reservation, this.budgets.get(reservation.budgetId()));
			}
			case HELD -> {
				this.locks.chain(reservation.budgetId());
				finish(List.of(reservationId), ReservationStatus.RELEASED, EntryKind.RELEASE, now);
				return new Settlement(this.reservations.get(reservationId), this.budgets.get(reservation.budgetId()));
			}
		}
		throw new IllegalStateException("Unknown status " + reservation.status());
	}

	/**
	 * Moves a held reservation's expiry to {@code ttl} from now, for long (streaming)
	 * calls.
	 */
	@Transactional
	public Settlement extend(UUID reservationId, Duration ttl) {
		ExtendOutcome outcome = extend(reservationId, ttl, null, null, null);
		return ((ExtendOutcome.Extended) outcome).settlement();
	}

	/**
	 * Changes a held reservation that has not expired: its expiry to {@code ttl} from
	 * now, and/or its hold to {@code maxOutputTokens} output tokens (a hold priced by
	 * model) or to {@code amount} (a hold by amount). A change of the hold is decided by
	 * {@link Decider#resize} on the locked chain: a shrink always, a growth like a
	 * reserve of the difference. An allowed change is journaled as RESIZE on every level
	 * (reserved moves by the difference); a denied growth changes nothing, expiry
	 * included.
	 */
	@Transactional
	public ExtendOutcome extend(UUID reservationId, @Nullable Duration ttl, @Nullable Long maxOutputTokens,
			@Nullable BigDecimal amount, @Nullable UUID scope) {
		Instant now = now();
		Reservation reservation = this.locks.reservation(reservationId);
		if (reservation.status() != ReservationStatus.HELD || !now.isBefore(reservation.expiresAt())) {
			ReservationStatus shown = (reservation.status() == ReservationStatus.HELD) ? ReservationStatus.EXPIRED
					: reservation.status();
			throw new ReservationExpiredException(reservationId, shown);
		}
		List<String> warnings = List.of();
		if (maxOutputTokens != null || amount != null) {
			Ask.Option before = new Ask.Option(reservation.price(), reservation.amount(), reservation.inputTokens(),
					reservation.maxOutputTokens());
			Ask.Option after = resized(reservation, maxOutputTokens, amount);
			List<Budget> chain = lockAndRoll(reservation.budgetId(), now);
			LedgerWrites writes = writes();
			Decider.Decision decision = Decider.resize(chain, before, after,
					this.counters.read(chain, reservation.runId(), now, writes));
			if (decision instanceof Decider.Deny deny) {
				return new ExtendOutcome.Denied(new ReserveOutcome.Denied(deny.reason(), reservation.budgetId(),
						deny.limitingBudgetId(), deny.unit(), deny.requested(), deny.available(),
						!visibleId(chain, deny.limitingBudgetId(), scope), reservation.runId(), null));
			}
			BigDecimal money = after.amount().subtract(before.amount());
			BigDecimal tokensAfter = BigDecimal.valueOf(nonNull(after.tokens()));
			BigDecimal tokens = tokensAfter.subtract(BigDecimal.valueOf(nonNull(before.tokens())));
			if (money.signum() != 0 || tokens.signum() != 0) {
				writes.move(chain, reservationId, EntryKind.RESIZE, new Delta(after.amount(), BigDecimal.ZERO, money),
						new Delta(tokensAfter, BigDecimal.ZERO, tokens), 0, 0);
				BigDecimal storedChange = LedgerWrites.stored(after.amount()).subtract(before.amount());
				this.counters.moved(chain, reservation, level -> level.countsTokens() ? tokens : storedChange, writes);
				writes.flush(now);
				this.jdbc.sql("""
						UPDATE reservations SET amount = :amount, tokens = :tokens, max_output_tokens = :maxOutput,
						    updated_at = :now WHERE id = :id""")
					.param("id", reservationId)
					.param("amount", LedgerWrites.stored(after.amount()))
					.param("tokens", after.tokens())
					.param("maxOutput", after.maxOutputTokens())
					.param("now", Timestamp.from(now))
					.update();
				Function<Budget, BigDecimal> change = level -> level.countsTokens() ? tokens : money;
				emitUsageEvents(chain, change, reservationId, now);
				List<String> told = new ArrayList<>(((Decider.Allow) decision).warnings());
				recordCrossings(chain, change, reservationId, now).stream()
					.filter(crossing -> visibleId(chain, crossing.budgetId(), scope))
					.map(crossing -> Decider.thresholdWarning(crossing.threshold()))
					.filter(warning -> !told.contains(warning))
					.distinct()
					.forEach(told::add);
				warnings = told;
			}
		}
		if (ttl != null) {
			this.jdbc.sql("UPDATE reservations SET expires_at = :expiresAt, updated_at = :now WHERE id = :id")
				.param("id", reservationId)
				.param("expiresAt", Timestamp.from(now.plus(ttl)))
				.param("now", Timestamp.from(now))
				.update();
		}
		Budget leaf = this.budgets.get(reservation.budgetId());
		return new ExtendOutcome.Extended(
				new Settlement(this.reservations.get(reservationId), leaf.available(), leaf.unit(), warnings));
	}

	/**
	 * The hold a resize asks for: the same price and input with other output tokens, or
	 * another amount.
	 */
	private static Ask.Option resized(Reservation reservation, @Nullable Long maxOutputTokens,
			@Nullable BigDecimal amount) {
		TokenPrice price = reservation.price();
		Long input = reservation.inputTokens();
		if (maxOutputTokens != null) {
			if (price == null || input == null) {
				throw new InvalidRequestException("maxOutputTokens",
						"only a hold priced by model has output tokens; give amount to resize a hold by amount");
			}
			Ask.Option option = Ask.Option.priced(price, input, maxOutputTokens);
			if (option.amount().signum() <= 0) {
				throw new InvalidRequestException("maxOutputTokens", "the estimate must be more than zero");
			}
			return option;
		}
		if (price != null) {
			throw new InvalidRequestException("amount", "a hold priced by model is resized by maxOutputTokens");
		}
		return Ask.Option.amount(LedgerWrites.stored(Objects.requireNonNull(amount, "amount or maxOutputTokens")));
	}

	/**
	 * One batch of the expiry sweep. Due reservations are claimed with
	 * {@code FOR UPDATE SKIP LOCKED} (so several instances sweep side by side without
	 * ever expiring the same hold), then their chains are locked in the global order and
	 * every level is given its hold back.
	 * @return how many holds were expired
	 */
	@Transactional
	public int expireDue(int batchSize) {
		Instant now = now();
		List<UUID> due = this.jdbc.sql("""
				SELECT id FROM reservations WHERE status = 'HELD' AND expires_at <= :now
				ORDER BY expires_at LIMIT :batch FOR UPDATE SKIP LOCKED""")
			.param("now", Timestamp.from(now))
			.param("batch", batchSize)
			.query(UUID.class)
			.list();
		if (due.isEmpty()) {
			return 0;
		}
		List<UUID> leaves = this.jdbc.sql("SELECT DISTINCT budget_id FROM reservations WHERE id IN (:ids)")
			.param("ids", due)
			.query(UUID.class)
			.list();
		this.locks.chains(leaves);
		return finish(due, ReservationStatus.EXPIRED, EntryKind.EXPIRE, now);
	}

	/**
	 * Expires overdue holds whose chains lie within {@code chain}, which the caller has
	 * locked; first sends what {@code writes} holds back, since this reads reservations
	 * and journals.
	 */
	private int expireOverdueIn(List<Budget> chain, Instant now, LedgerWrites writes) {
		writes.flush(now);
		List<UUID> overdue = this.jdbc.sql("""
				SELECT id FROM reservations WHERE budget_id IN (:chain) AND status = 'HELD' AND expires_at <= :now
				ORDER BY expires_at LIMIT :batch FOR UPDATE SKIP LOCKED""")
			.param("chain", chain.stream().map(Budget::id).toList())
			.param("now", Timestamp.from(now))
			.param("batch", this.settings.sweepBatchSize())
			.query(UUID.class)
			.list();
		return overdue.isEmpty() ? 0 : finish(overdue, ReservationStatus.EXPIRED, EntryKind.EXPIRE, now);
	}

	/**
	 * Ends held reservations without a charge (release or expiry): each gives its hold
	 * back on every level of its chain, with one journal entry per reservation and level.
	 * One statement; the caller holds all the locks.
	 */
	private int finish(List<UUID> ids, ReservationStatus status, EntryKind kind, Instant now) {
		int finished = this.jdbc
			.sql("""
					WITH done AS (
					    UPDATE reservations SET status = :status, released = amount, updated_at = :now, finished_at = :now
					    WHERE id IN (:ids) AND status = 'HELD'
					    RETURNING id, budget_id, amount, tokens, run_id),
					per_level AS (
					    SELECT b.id AS budget_id, b.root_id, b.depth, done.id AS reservation_id, done.run_id,
					           CASE WHEN b.unit = 'TOKENS' THEN coalesce(done.tokens, 0) ELSE done.amount END AS hold
					    FROM done JOIN budgets leaf ON leaf.id = done.budget_id JOIN budgets b ON b.id = ANY(leaf.ancestors)),
					journaled AS (
					    INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, reserved_delta, created_at)
					    SELECT budget_id, root_id, reservation_id, :kind, hold, -hold, :now FROM per_level ORDER BY reservation_id, depth),
					moved AS (
					    UPDATE budgets b SET reserved = b.reserved - t.hold, held_count = b.held_count - t.n, updated_at = :now
					    FROM (SELECT budget_id, sum(hold) AS hold, count(*) AS n FROM per_level GROUP BY budget_id) t
					    WHERE b.id = t.budget_id),
					runs AS (
					    UPDATE run_usage u SET amount = u.amount - t.hold, updated_at = :now
					    FROM (SELECT budget_id, run_id, sum(hold) AS hold FROM per_level WHERE run_id IS NOT NULL
					          GROUP BY budget_id, run_id) t
					    WHERE u.budget_id = t.budget_id AND u.run_id = t.run_id),
					expired_events AS (
					    INSERT INTO events (event_id, type, budget_id, root_id, reservation_id, data, created_at)
					    SELECT gen_random_uuid(), 'reservation.expired', done.budget_id, leaf.root_id, done.id,
					           jsonb_build_object('amount', CASE WHEN scale(trim_scale(done.amount)) < 2
					               THEN round(done.amount, 2)::text ELSE trim_scale(done.amount)::text END), :now
					    FROM done JOIN budgets leaf ON leaf.id = done.budget_id WHERE :status = 'EXPIRED')
					SELECT count(*) FROM done""")
			.param("ids", ids)
			.param("status", status.name())
			.param("kind", kind.name())
			.param("now", Timestamp.from(now))
			.query(Integer.class)
			.single();
		if (status == ReservationStatus.EXPIRED && finished > 0) {
			this.expiredHolds.increment(finished);
		}
		return finished;
	}

	// ---------------------------------------------------------------- chains, periods,
	// journal

	/**
	 * Locks the chain root first and starts a new period on every level whose period is
	 * over.
	 */
	private List<Budget> lockAndRoll(UUID leafId, Instant now) {
		List<Budget> chain = this.locks.chain(leafId);
		boolean rolled = false;
		for (Budget level : chain) {
			PeriodRoll roll = PeriodRoll.of(level, now).orElse(null);
			if (roll != null) {
				startPeriod(level, roll, now);
				rolled = true;
			}
		}
		return rolled ? this.locks.chain(leafId) : chain;
	}

	/**
	 * One budget locked alone and rolled into the current period: a subject's child that
	 * a batch holding its parent's chain (and so its root) serves. Every other path locks
	 * a chain from its root, which the batch holds, so this lock below it cannot be part
	 * of a cycle.
	 */
	Budget lockAndRollBelow(UUID id, Instant now) {
		Budget budget = this.locks.budget(id);
		PeriodRoll roll = PeriodRoll.of(budget, now).orElse(null);
		if (roll == null) {
			return budget;
		}
		startPeriod(budget, roll, now);
		return this.locks.budget(id);
	}

	private void startPeriod(Budget level, PeriodRoll roll, Instant now) {
		this.jdbc
			.sql("""
					INSERT INTO budget_periods (budget_id, root_id, period_start, period_end, limit_amount, carried_over, spent,
					    reserved_at_close, calls, carried_out, closed_at)
					VALUES (:id, :rootId, :start, :end, :limit, :carriedOver, :spent, :reserved, :calls, :carry, :now)""")
			.param("id", level.id())
			.param("rootId", level.rootId())
			.param("start", Timestamp.from(roll.closedStart()))
			.param("end", Timestamp.from(roll.closedEnd()))
			.param("limit", level.limit())
			.param("carriedOver", level.period().carriedOver())
			.param("spent", level.spent())
			.param("reserved", level.reserved())
			.param("calls", level.callsInPeriod())
			.param("carry", roll.carry())
			.param("now", Timestamp.from(now))
			.update();
		this.jdbc
			.sql("""
					UPDATE budgets SET spent = 0, calls_in_period = 0, denied_count = 0, period_start = :start, carried_over = :carry,
					    updated_at = :now WHERE id = :id""")
			.param("id", level.id())
			.param("start", Timestamp.from(roll.newStart()))
			.param("carry", roll.carry())
			.param("now", Timestamp.from(now))
			.update();
		this.journal.entry(level.id(), EntryKind.PERIOD_RESET, level.spent(), level.spent().negate(), null,
				roll.carry(), null, now);
		this.events.record(EventType.PERIOD_RESET, level.id(), level.rootId(), null,
				Map.of("closedStart", roll.closedStart().toString(), "closedEnd", roll.closedEnd().toString(), "spent",
						level.format(level.spent()), "carriedOver", level.format(roll.carry()), "limit",
						level.format(level.limit())),
				now);
	}

	/**
	 * A locked budget as it stands after one more hold of {@code hold} (in its unit) on
	 * it.
	 */
	private static Budget withHold(Budget b, BigDecimal hold) {
		return new Budget(b.id(), b.name(), b.parentId(), b.rootId(), b.depth(), b.ancestors(), b.unit(), b.limit(),
				b.spent(), b.reserved().add(hold), b.heldCount() + 1, b.callsInPeriod() + 1, b.deniedCount(),
				b.status(), b.frozenReason(), b.frozenAt(), b.period(), b.policy(), b.metadata(), b.createdAt(),
				b.updatedAt(), b.subject(), b.closedAt(), b.childTemplate());
	}

	/**
	 * A locked budget as it stands after a settlement charged {@code spent} and gave back
	 * {@code held}.
	 */
	private static Budget withSettle(Budget b, BigDecimal spent, BigDecimal held, boolean wasHeld) {
		return new Budget(b.id(), b.name(), b.parentId(), b.rootId(), b.depth(), b.ancestors(), b.unit(), b.limit(),
				b.spent().add(spent), b.reserved().subtract(held), b.heldCount() - (wasHeld ? 1 : 0), b.callsInPeriod(),
				b.deniedCount(), b.status(), b.frozenReason(), b.frozenAt(), b.period(), b.policy(), b.metadata(),
				b.createdAt(), b.updatedAt(), b.subject(), b.closedAt(), b.childTemplate());
	}

	/**
	 * Whether a caller limited to the subtree of {@code scope} may see {@code level} of
	 * this (root-first) chain, which reaches into its scope: the scope and the levels
	 * below it, not its ancestors.
	 */
	private static boolean visible(List<Budget> chain, Budget level, @Nullable UUID scope) {
		if (scope == null) {
			return true;
		}
		return chain.stream()
			.filter(b -> b.id().equals(scope))
			.findFirst()
			.map(top -> level.depth() >= top.depth())
			.orElse(false);
	}

	private static boolean visibleId(List<Budget> chain, UUID budgetId, @Nullable UUID scope) {
		return chain.stream().filter(b -> b.id().equals(budgetId)).anyMatch(b -> visible(chain, b, scope));
	}

	/**
	 * Whether a caller limited to the subtree of {@code scope} may touch the leaf of this
	 * (root-first) chain.
	 */
	private static boolean inScope(List<Budget> chain, @Nullable UUID scope) {
		return scope == null || chain.stream().anyMatch(level -> level.id().equals(scope));
	}

	/**
	 * A budget that had room and has none after {@code change} is exhausted; the event
	 * says so with the figures. Threshold crossings are reported by
	 * {@link #recordCrossings}.
	 */
	private void emitUsageEvents(List<Budget> chain, Function<Budget, BigDecimal> change, @Nullable UUID reservationId,
			Instant now) {
		for (Budget level : chain) {
			BigDecimal after = level.available().subtract(change.apply(level));
			if (level.available().signum() > 0 && after.signum() <= 0) {
				this.events.record(EventType.EXHAUSTED, level.id(), level.rootId(), reservationId,
						figures(level, after), now);
			}
		}
	}

	private static Map<String, Object> figures(Budget level, BigDecimal available) {
		return Map.of("unit", level.unit(), "limit", level.format(level.effectiveLimit()), "available",
				level.format(available));
	}

	/**
	 * Records the thresholds that {@code change} (in each budget's unit) crosses upwards,
	 * once per budget, threshold and period; returns those recorded now.
	 */
	private List<Decider.Crossing> recordCrossings(List<Budget> chain, Function<Budget, BigDecimal> change,
			@Nullable UUID reservationId, Instant now) {
		List<Decider.Crossing> recorded = new ArrayList<>();
		for (Budget level : chain) {
			BigDecimal before = level.spent().add(level.reserved());
			for (Decider.Crossing crossing : Decider.crossings(level, before, before.add(change.apply(level)))) {
				recordCrossing(level, crossing, reservationId, now).ifPresent(recorded::add);
			}
		}
		return recorded;
	}

	private Optional<Decider.Crossing> recordCrossing(Budget level, Decider.Crossing crossing,
			@Nullable UUID reservationId, Instant now) {
		int inserted = this.jdbc
			.sql("""
					INSERT INTO threshold_crossings (budget_id, root_id, period_start, threshold, reservation_id, utilization,
					    crossed_at)
					VALUES (:id, :rootId, :periodStart, :threshold, :reservationId, :utilization, :now)
					ON CONFLICT (budget_id, period_start, threshold) DO NOTHING""")
			.param("id", level.id())
			.param("rootId", level.rootId())
			.param("periodStart", Timestamp.from(level.periodKey()))
			.param("threshold", crossing.threshold())
			.param("reservationId", reservationId)
			.param("utilization", crossing.utilization())
			.param("now", Timestamp.from(now))
			.update();
		if (inserted == 0) {
			return Optional.empty();
		}
		this.events.record(EventType.THRESHOLD_CROSSED, level.id(), level.rootId(), reservationId,
				Map.of("threshold", crossing.threshold().stripTrailingZeros().toPlainString(), "utilization",
						crossing.utilization().stripTrailingZeros().toPlainString(), "unit", level.unit(), "limit",
						level.format(level.effectiveLimit())),
				now);
		return Optional.of(crossing);
	}

	// ---------------------------------------------------------------- helpers

	private static BigDecimal actualCost(Reservation reservation, SettleCommand command) {
		if (command.amount() != null) {
			return command.amount();
		}
		TokenPrice price = reservation.price();
		TokenPrice.Usage usage = command.usage();
		if (price == null || usage == null) {
			throw new NotTokenPricedException(reservation.id());
		}
		return price.cost(usage);
	}

	/**
	 * Microseconds, as PostgreSQL stores them, so what is answered equals what is read
	 * back later.
	 */
	private Instant now() {
		return this.clock.instant().truncatedTo(ChronoUnit.MICROS);
	}

	private static long nonNull(@Nullable Long value) {
		return (value != null) ? value : 0L;
	}

	private void count(String decision, String reason) {
		this.meters.counter("budget_ledger.reservations", "decision", decision, "reason", reason).increment();
	}

}
