package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The only code that changes a budget. Every method here runs in one transaction that first locks the budget row
 * ({@code SELECT ... FOR UPDATE}), then checks and changes it, then appends the journal entry for the change, so
 * {@code spent} and {@code reserved} always equal the sums of the journal. Locks are always taken budget first,
 * then reservation, in every path (the sweep included), so no two paths can deadlock.
 * <p>
 * Plain SQL on purpose: this is the hot path, and each statement here is one round trip with no ORM bookkeeping.
 */
@Component
public class Ledger {

	private final JdbcClient jdbc;

	private final Clock clock;

	private final Budgets budgets;

	private final Reservations reservations;

	private final Metadata metadata;

	private final ReservationSettings settings;

	private final MeterRegistry meters;

	private final Counter expiredHolds;

	private final Timer settleTimer;

	Ledger(JdbcClient jdbc, Clock clock, Budgets budgets, Reservations reservations, Metadata metadata,
			ReservationSettings settings, MeterRegistry meters) {
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

	@Transactional
	public Budget openBudget(String name, BigDecimal limit, String currency, Map<String, Object> metadata) {
		Instant now = now();
		UUID id = Ids.newId(now);
		this.jdbc.sql("""
				INSERT INTO budgets (id, name, currency, limit_amount, metadata, created_at, updated_at)
				VALUES (:id, :name, :currency, :limit, CAST(:metadata AS jsonb), :now, :now)""")
			.param("id", id)
			.param("name", name)
			.param("currency", currency)
			.param("limit", limit)
			.param("metadata", this.metadata.write(metadata))
			.param("now", Timestamp.from(now))
			.update();
		journal(id, null, EntryKind.OPEN, limit, BigDecimal.ZERO, BigDecimal.ZERO, limit, now);
		return this.budgets.get(id);
	}

	/** Changes what is given; a limit change is journaled, name and metadata are not money. */
	@Transactional
	public Budget updateBudget(UUID id, @Nullable String name, @Nullable BigDecimal limit,
			@Nullable Map<String, Object> metadata) {
		Instant now = now();
		Budget budget = lockBudget(id);
		this.jdbc.sql("""
				UPDATE budgets SET name = coalesce(:name, name), limit_amount = coalesce(:limit, limit_amount),
				    metadata = coalesce(CAST(:metadata AS jsonb), metadata), updated_at = :now
				WHERE id = :id""")
			.param("id", id)
			.param("name", name)
			.param("limit", limit)
			.param("metadata", (metadata != null) ? this.metadata.write(metadata) : null)
			.param("now", Timestamp.from(now))
			.update();
		if (limit != null && limit.compareTo(budget.limit()) != 0) {
			journal(id, null, EntryKind.LIMIT_CHANGE, limit, BigDecimal.ZERO, BigDecimal.ZERO, limit, now);
		}
		return this.budgets.get(id);
	}

	/**
	 * Holds {@code amount} if the budget has room for it. When it has not, holds that are past their expiry are
	 * expired first (so a late sweep never causes a deny), then the check is made again.
	 */
	@Transactional
	public ReserveOutcome reserve(ReserveCommand command) {
		Instant now = now();
		Budget budget = lockBudget(command.budgetId());
		requireCurrency(budget, command.currency());
		BigDecimal available = budget.available();
		if (available.compareTo(command.amount()) < 0) {
			available = available.add(expireOverdue(budget.id(), now, this.settings.sweepBatchSize()).released());
		}
		if (available.compareTo(command.amount()) < 0) {
			this.jdbc.sql("UPDATE budgets SET denied_count = denied_count + 1 WHERE id = :id")
				.param("id", budget.id())
				.update();
			count("DENY", DenyReason.INSUFFICIENT_FUNDS.name());
			return new ReserveOutcome.Denied(DenyReason.INSUFFICIENT_FUNDS, budget.id(), command.amount(), available);
		}
		UUID id = Ids.newId(now);
		Instant expiresAt = now.plus(command.ttl());
		TokenPrice price = command.price();
		this.jdbc.sql("""
				INSERT INTO reservations (id, budget_id, status, amount, model, input_tokens, max_output_tokens,
				    input_price_per_million, output_price_per_million, metadata, expires_at, created_at, updated_at)
				VALUES (:id, :budgetId, 'HELD', :amount, :model, :inputTokens, :maxOutputTokens, :inputPrice,
				    :outputPrice, CAST(:metadata AS jsonb), :expiresAt, :now, :now)""")
			.param("id", id)
			.param("budgetId", budget.id())
			.param("amount", command.amount())
			.param("model", (price != null) ? price.model() : null)
			.param("inputTokens", command.inputTokens())
			.param("maxOutputTokens", command.maxOutputTokens())
			.param("inputPrice", (price != null) ? price.inputPerMillion() : null)
			.param("outputPrice", (price != null) ? price.outputPerMillion() : null)
			.param("metadata", this.metadata.write(command.metadata()))
			.param("expiresAt", Timestamp.from(expiresAt))
			.param("now", Timestamp.from(now))
			.update();
		moveBalances(budget.id(), BigDecimal.ZERO, command.amount(), now);
		journal(budget.id(), id, EntryKind.RESERVE, command.amount(), BigDecimal.ZERO, command.amount(), null, now);
		count("ALLOW", "NONE");
		Reservation reservation = new Reservation(id, budget.id(), ReservationStatus.HELD, command.amount(), null,
				null, price, command.inputTokens(), command.maxOutputTokens(), null, null, false, command.metadata(),
				expiresAt, now, now, null);
		return new ReserveOutcome.Allowed(reservation, available.subtract(command.amount()));
	}

	/**
	 * Charges what was actually spent. Always recorded, even above the hold (an overrun) or after the hold expired
	 * (a late settlement): the money was spent either way. Settling again with the same amount changes nothing and
	 * answers the same; with another amount it is a conflict.
	 */
	@Transactional
	public Settlement settle(SettleCommand command) {
		return this.settleTimer.record(() -> doSettle(command));
	}

	private Settlement doSettle(SettleCommand command) {
		Instant now = now();
		Budget budget = lockBudget(budgetOf(command.reservationId()));
		requireCurrency(budget, command.currency());
		Reservation reservation = lockReservation(command.reservationId());
		BigDecimal actual = actualCost(reservation, command);
		switch (reservation.status()) {
			case SETTLED -> {
				BigDecimal charged = Reservations.zeroIfNull(reservation.charged());
				if (charged.compareTo(actual) != 0) {
					throw new SettlementConflictException(reservation.id(), charged, actual);
				}
				return new Settlement(reservation, budget.available());
			}
			case RELEASED -> throw new ReservationReleasedException(reservation.id());
			case HELD, EXPIRED -> {
				boolean held = reservation.status() == ReservationStatus.HELD;
				BigDecimal reservedDelta = held ? reservation.amount().negate() : BigDecimal.ZERO;
				BigDecimal released = held ? reservation.amount().subtract(actual).max(BigDecimal.ZERO)
						: Reservations.zeroIfNull(reservation.released());
				boolean late = !held || !now.isBefore(reservation.expiresAt());
				this.jdbc.sql("""
						UPDATE reservations SET status = 'SETTLED', charged = :charged, released = :released,
						    settled_input_tokens = :inputTokens, settled_output_tokens = :outputTokens, late = :late,
						    updated_at = :now, finished_at = coalesce(finished_at, :now)
						WHERE id = :id""")
					.param("id", reservation.id())
					.param("charged", actual)
					.param("released", released)
					.param("inputTokens", command.inputTokens())
					.param("outputTokens", command.outputTokens())
					.param("late", late)
					.param("now", Timestamp.from(now))
					.update();
				moveBalances(budget.id(), actual, reservedDelta, now);
				journal(budget.id(), reservation.id(), EntryKind.SETTLE, actual, actual, reservedDelta, null, now);
				Reservation settled = this.reservations.get(reservation.id());
				return new Settlement(settled, budget.available().subtract(actual).subtract(reservedDelta));
			}
		}
		throw new IllegalStateException("Unknown status " + reservation.status());
	}

	/** Gives a hold back. Releasing twice, or after expiry, changes nothing; after a settlement it is a conflict. */
	@Transactional
	public Settlement release(UUID reservationId) {
		Instant now = now();
		Budget budget = lockBudget(budgetOf(reservationId));
		Reservation reservation = lockReservation(reservationId);
		switch (reservation.status()) {
			case SETTLED -> throw new ReservationSettledException(reservationId);
			case RELEASED, EXPIRED -> {
				return new Settlement(reservation, budget.available());
			}
			case HELD -> {
				this.jdbc.sql("""
						UPDATE reservations SET status = 'RELEASED', released = amount, updated_at = :now, finished_at = :now
						WHERE id = :id""")
					.param("id", reservationId)
					.param("now", Timestamp.from(now))
					.update();
				BigDecimal delta = reservation.amount().negate();
				moveBalances(budget.id(), BigDecimal.ZERO, delta, now);
				journal(budget.id(), reservationId, EntryKind.RELEASE, reservation.amount(), BigDecimal.ZERO, delta,
						null, now);
				return new Settlement(this.reservations.get(reservationId), budget.available().subtract(delta));
			}
		}
		throw new IllegalStateException("Unknown status " + reservation.status());
	}

	/** Moves a held reservation's expiry to {@code ttl} from now, for long (streaming) calls. */
	@Transactional
	public Settlement extend(UUID reservationId, Duration ttl) {
		Instant now = now();
		Budget budget = lockBudget(budgetOf(reservationId));
		Reservation reservation = lockReservation(reservationId);
		if (reservation.status() != ReservationStatus.HELD || !now.isBefore(reservation.expiresAt())) {
			ReservationStatus shown = (reservation.status() == ReservationStatus.HELD) ? ReservationStatus.EXPIRED
					: reservation.status();
			throw new ReservationExpiredException(reservationId, shown);
		}
		this.jdbc.sql("UPDATE reservations SET expires_at = :expiresAt, updated_at = :now WHERE id = :id")
			.param("id", reservationId)
			.param("expiresAt", Timestamp.from(now.plus(ttl)))
			.param("now", Timestamp.from(now))
			.update();
		return new Settlement(this.reservations.get(reservationId), budget.available());
	}

	/**
	 * One batch of the expiry sweep. Budgets that another transaction holds are skipped ({@code SKIP LOCKED}) and
	 * picked up by a later batch, by another instance, or inline by the next reserve on them that lacks room.
	 * @return how many holds were expired
	 */
	@Transactional
	public int expireDue(int batchSize) {
		Instant now = now();
		List<UUID> due = this.jdbc.sql("""
				SELECT DISTINCT budget_id FROM (
				    SELECT budget_id FROM reservations WHERE status = 'HELD' AND expires_at <= :now
				    ORDER BY expires_at LIMIT :batch) due""")
			.param("now", Timestamp.from(now))
			.param("batch", batchSize)
			.query(UUID.class)
			.list();
		if (due.isEmpty()) {
			return 0;
		}
		List<UUID> locked = this.jdbc.sql("SELECT id FROM budgets WHERE id IN (:ids) ORDER BY id FOR UPDATE SKIP LOCKED")
			.param("ids", due)
			.query(UUID.class)
			.list();
		int expired = 0;
		for (UUID budgetId : locked) {
			expired += expireOverdue(budgetId, now, batchSize).count();
		}
		return expired;
	}

	/** Expires the budget's overdue holds and journals each; the caller holds the budget lock. */
	private Expired expireOverdue(UUID budgetId, Instant now, int limit) {
		Expired expired = this.jdbc.sql("""
				WITH expired AS (
				    UPDATE reservations SET status = 'EXPIRED', released = amount, updated_at = :now, finished_at = :now
				    WHERE id IN (SELECT id FROM reservations WHERE budget_id = :budgetId AND status = 'HELD'
				                 AND expires_at <= :now ORDER BY expires_at LIMIT :limit FOR UPDATE)
				    RETURNING id, budget_id, amount),
				journaled AS (
				    INSERT INTO journal_entries (budget_id, reservation_id, kind, amount, reserved_delta, created_at)
				    SELECT budget_id, id, 'EXPIRE', amount, -amount, :now FROM expired)
				SELECT count(*) AS count, coalesce(sum(amount), 0) AS released FROM expired""")
			.param("budgetId", budgetId)
			.param("now", Timestamp.from(now))
			.param("limit", limit)
			.query((rs, row) -> new Expired(rs.getInt("count"), rs.getBigDecimal("released")))
			.single();
		if (expired.count() > 0) {
			moveBalances(budgetId, BigDecimal.ZERO, expired.released().negate(), now);
			this.expiredHolds.increment(expired.count());
		}
		return expired;
	}

	/** Microseconds, as PostgreSQL stores them, so what is answered equals what is read back later. */
	private Instant now() {
		return this.clock.instant().truncatedTo(ChronoUnit.MICROS);
	}

	private Budget lockBudget(UUID id) {
		return this.jdbc.sql("SELECT " + Budgets.COLUMNS + " FROM budgets WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(this.budgets.mapper())
			.optional()
			.orElseThrow(() -> new BudgetNotFoundException(id));
	}

	/** The budget a reservation belongs to; read without a lock, as it never changes. */
	private UUID budgetOf(UUID reservationId) {
		return this.jdbc.sql("SELECT budget_id FROM reservations WHERE id = :id")
			.param("id", reservationId)
			.query(UUID.class)
			.optional()
			.orElseThrow(() -> new ReservationNotFoundException(reservationId));
	}

	private Reservation lockReservation(UUID id) {
		return this.jdbc.sql("SELECT " + Reservations.COLUMNS
				+ " FROM reservations r JOIN budgets b ON b.id = r.budget_id WHERE r.id = :id FOR UPDATE OF r")
			.param("id", id)
			.query(this.reservations.mapper())
			.single();
	}

	private static BigDecimal actualCost(Reservation reservation, SettleCommand command) {
		if (command.amount() != null) {
			return command.amount();
		}
		TokenPrice price = reservation.price();
		if (price == null) {
			throw new NotTokenPricedException(reservation.id());
		}
		return price.cost(nonNull(command.inputTokens()), nonNull(command.outputTokens()));
	}

	private static long nonNull(@Nullable Long tokens) {
		return (tokens != null) ? tokens : 0L;
	}

	private static void requireCurrency(Budget budget, @Nullable String currency) {
		if (currency != null && !currency.equals(budget.currency())) {
			throw new CurrencyMismatchException(budget.currency(), currency);
		}
	}

	private void moveBalances(UUID budgetId, BigDecimal spentDelta, BigDecimal reservedDelta, Instant now) {
		this.jdbc.sql("""
				UPDATE budgets SET spent = spent + :spentDelta, reserved = reserved + :reservedDelta, updated_at = :now
				WHERE id = :id""")
			.param("id", budgetId)
			.param("spentDelta", spentDelta)
			.param("reservedDelta", reservedDelta)
			.param("now", Timestamp.from(now))
			.update();
	}

	private void journal(UUID budgetId, @Nullable UUID reservationId, EntryKind kind, BigDecimal amount,
			BigDecimal spentDelta, BigDecimal reservedDelta, @Nullable BigDecimal limitAfter, Instant now) {
		this.jdbc.sql("""
				INSERT INTO journal_entries (budget_id, reservation_id, kind, amount, spent_delta, reserved_delta, limit_after, created_at)
				VALUES (:budgetId, :reservationId, :kind, :amount, :spentDelta, :reservedDelta, :limitAfter, :now)""")
			.param("budgetId", budgetId)
			.param("reservationId", reservationId)
			.param("kind", kind.name())
			.param("amount", amount)
			.param("spentDelta", spentDelta)
			.param("reservedDelta", reservedDelta)
			.param("limitAfter", limitAfter)
			.param("now", Timestamp.from(now))
			.update();
	}

	private void count(String decision, String reason) {
		this.meters.counter("budget_ledger.reservations", "decision", decision, "reason", reason).increment();
	}

	private record Expired(int count, BigDecimal released) {
	}

}
