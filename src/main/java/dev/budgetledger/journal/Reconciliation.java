package dev.budgetledger.journal;

import dev.budgetledger.budget.Mode;
import dev.budgetledger.reservation.ReservationStatus;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Checks the ledger's invariants against the journal, in one REPEATABLE READ snapshot so
 * concurrent changes cannot produce false alarms:
 * <ol>
 * <li>{@link Invariant#BALANCE}: every budget's {@code spent}, {@code reserved},
 * {@code limit} and {@code carriedOver} equal what its journal says;</li>
 * <li>{@link Invariant#HOLDS}: {@code reserved} and {@code heldCount} equal what the HELD
 * reservations on it or below it hold (in its unit);</li>
 * <li>{@link Invariant#RESERVATION_STATE}: every reservation has, on every level of its
 * chain and nowhere else, exactly one RESERVE which, with the RESIZEs that grew or shrank
 * it while held, adds up to its hold, and the terminal movements its one state implies:
 * none while HELD, one RELEASE, one EXPIRE, or one SETTLE of what it was charged (after
 * an EXPIRE only if the settlement is marked late);</li>
 * <li>{@link Invariant#HARD_LIMIT}: replaying each budget's journal in order, no RESERVE
 * (nor growing RESIZE) on a budget that was HARD at the time left
 * {@code spent + reserved} above {@code limit + carriedOver}, and every SETTLE that added
 * more than its hold is a recorded overrun or late settlement. So the only ways past a
 * HARD limit are those and lowering the limit;</li>
 * <li>{@link Invariant#IDEMPOTENCY}: while an Idempotency-Key is retained, at most one
 * reservation was created under it, and its stored answer names exactly that reservation
 * (a key that created none stored no 201 naming one);</li>
 * <li>{@link Invariant#RUNS}: every run's counters on every level of its chains equal
 * what its reservations say: the calls are how many there are, the amount is what the
 * HELD ones hold plus what the SETTLED ones cost now, in the level's unit.</li>
 * </ol>
 */
@Component
public class Reconciliation {

	private final JdbcClient jdbc;

	// Public for the upgrade test, which checks databases that no application runs on.
	public Reconciliation(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Every discrepancy found; empty when the ledger is consistent. */
	@Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
	public List<Discrepancy> check() {
		return report().discrepancies();
	}

	/** What was checked and what was found, in one snapshot. */
	@Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
	public Report run() {
		return report();
	}

	private Report report() {
		List<Discrepancy> found = new ArrayList<>();
		found.addAll(balances());
		found.addAll(reservationStates());
		found.addAll(charges());
		found.addAll(hardLimits());
		found.addAll(idempotencyKeys());
		found.addAll(runs());
		Checked checked = this.jdbc.sql("""
				SELECT (SELECT count(*) FROM budgets) AS budgets, (SELECT count(*) FROM reservations) AS reservations,
				       (SELECT count(*) FROM journal_entries) AS journal_entries,
				       (SELECT count(*) FROM idempotency_keys) AS idempotency_keys""").query(Checked.class).single();
		return new Report(checked, found);
	}

	private List<Discrepancy> balances() {
		return this.jdbc
			.sql("""
					WITH sums AS (
					    SELECT budget_id, sum(spent_delta) AS spent, sum(reserved_delta) AS reserved
					    FROM journal_entries GROUP BY budget_id),
					limits AS (
					    SELECT DISTINCT ON (budget_id) budget_id, limit_after
					    FROM journal_entries WHERE limit_after IS NOT NULL ORDER BY budget_id, id DESC),
					carries AS (
					    SELECT DISTINCT ON (budget_id) budget_id, carried_over_after
					    FROM journal_entries WHERE kind = 'PERIOD_RESET' ORDER BY budget_id, id DESC),
					held AS (
					    SELECT b.id AS budget_id, count(*) AS n,
					           sum(CASE WHEN b.unit = 'TOKENS' THEN coalesce(r.tokens, 0) ELSE r.amount END) AS reserved
					    FROM reservations r JOIN budgets leaf ON leaf.id = r.budget_id JOIN budgets b ON b.id = ANY(leaf.ancestors)
					    WHERE r.status = 'HELD' GROUP BY b.id),
					checked AS (
					    SELECT b.id,
					        CASE WHEN b.spent <> coalesce(s.spent, 0) THEN 'spent ' || b.spent || ' but journal sums to ' || coalesce(s.spent, 0)
					             WHEN b.reserved <> coalesce(s.reserved, 0) THEN 'reserved ' || b.reserved || ' but journal sums to ' || coalesce(s.reserved, 0)
					             WHEN b.carried_over <> coalesce(c.carried_over_after, 0) THEN 'carried over ' || b.carried_over || ' but journal says ' || coalesce(c.carried_over_after, 0)
					             WHEN l.limit_after IS DISTINCT FROM b.limit_amount THEN 'limit ' || b.limit_amount || ' but journal says ' || coalesce(l.limit_after::text, 'nothing')
					        END AS balance,
					        CASE WHEN b.reserved <> coalesce(h.reserved, 0) THEN 'reserved ' || b.reserved || ' but held reservations sum to ' || coalesce(h.reserved, 0)
					             WHEN b.held_count <> coalesce(h.n, 0) THEN 'held count ' || b.held_count || ' but ' || coalesce(h.n, 0) || ' reservations are held'
					        END AS holds
					    FROM budgets b
					    LEFT JOIN sums s ON s.budget_id = b.id
					    LEFT JOIN limits l ON l.budget_id = b.id
					    LEFT JOIN carries c ON c.budget_id = b.id
					    LEFT JOIN held h ON h.budget_id = b.id)
					SELECT id, 'BALANCE' AS invariant, balance AS problem FROM checked WHERE balance IS NOT NULL
					UNION ALL
					SELECT id, 'HOLDS', holds FROM checked WHERE holds IS NOT NULL
					ORDER BY id, invariant""")
			.query((rs, row) -> new Discrepancy(Invariant.valueOf(rs.getString("invariant")),
					rs.getObject("id", UUID.class), null, rs.getString("problem")))
			.list();
	}

	/**
	 * Each reservation's movements per level of its chain, next to what its state says
	 * they must be. A full join, so levels without movements and movements outside the
	 * chain both show up.
	 */
	private List<Discrepancy> reservationStates() {
		return this.jdbc
			.sql("""
					WITH levels AS (
					    SELECT r.id AS reservation_id, b.id AS budget_id, r.status, r.late,
					           CASE WHEN b.unit = 'TOKENS' THEN coalesce(r.tokens, 0) ELSE r.amount END AS hold,
					           CASE WHEN b.unit = 'TOKENS' THEN coalesce(r.charged_tokens, 0) ELSE r.charged END AS charged,
					           CASE WHEN b.unit = 'TOKENS' THEN 0 ELSE r.adjustment END AS adjustment
					    FROM reservations r JOIN budgets leaf ON leaf.id = r.budget_id JOIN budgets b ON b.id = ANY(leaf.ancestors)),
					moves AS (
					    SELECT reservation_id, budget_id,
					           count(*) FILTER (WHERE kind = 'RESERVE') AS reserves,
					           count(*) FILTER (WHERE kind = 'SETTLE') AS settles,
					           count(*) FILTER (WHERE kind = 'RELEASE') AS releases,
					           count(*) FILTER (WHERE kind = 'EXPIRE') AS expiries,
					           coalesce(sum(spent_delta) FILTER (WHERE kind = 'ADJUST'), 0) AS adjusted,
					           count(*) FILTER (WHERE kind = 'RESIZE') AS resizes,
					           coalesce(sum(reserved_delta) FILTER (WHERE kind IN ('RESERVE', 'RESIZE')), 0) AS reserved,
					           coalesce(sum(spent_delta) FILTER (WHERE kind = 'SETTLE'), 0) AS spent,
					           sum(reserved_delta) AS reserved_net,
					           sum(spent_delta) AS spent_net
					    FROM journal_entries WHERE reservation_id IS NOT NULL GROUP BY reservation_id, budget_id)
					SELECT coalesce(l.reservation_id, m.reservation_id) AS reservation_id,
					       coalesce(l.budget_id, m.budget_id) AS budget_id,
					       l.status, l.late, l.hold, l.charged, l.adjustment, coalesce(m.adjusted, 0) AS adjusted,
					       coalesce(m.reserves, 0) AS reserves, coalesce(m.settles, 0) AS settles,
					       coalesce(m.releases, 0) AS releases, coalesce(m.expiries, 0) AS expiries,
					       coalesce(m.resizes, 0) AS resizes,
					       coalesce(m.reserved, 0) AS reserved, coalesce(m.spent, 0) AS spent,
					       coalesce(m.reserved_net, 0) AS reserved_net, coalesce(m.spent_net, 0) AS spent_net
					FROM levels l FULL JOIN moves m ON m.reservation_id = l.reservation_id AND m.budget_id = l.budget_id
					ORDER BY 1, 2""")
			.query((rs, row) -> {
				UUID reservation = rs.getObject("reservation_id", UUID.class);
				UUID budget = rs.getObject("budget_id", UUID.class);
				String status = rs.getString("status");
				String problem = (status == null) ? "journal entries on a budget outside the reservation's chain"
						: stateProblem(ReservationStatus.valueOf(status), rs.getBoolean("late"),
								rs.getBigDecimal("hold"), rs.getBigDecimal("charged"), rs.getLong("reserves"),
								rs.getLong("settles"), rs.getLong("releases"), rs.getLong("expiries"),
								rs.getBigDecimal("reserved"), rs.getBigDecimal("spent"),
								rs.getBigDecimal("reserved_net"), rs.getBigDecimal("spent_net"),
								rs.getBigDecimal("adjustment"), rs.getBigDecimal("adjusted"), rs.getLong("resizes"));
				return Optional.ofNullable((problem != null)
						? new Discrepancy(Invariant.RESERVATION_STATE, budget, reservation, problem) : null);
			})
			.list()
			.stream()
			.flatMap(Optional::stream)
			.toList();
	}

	private static @Nullable String stateProblem(ReservationStatus status, boolean late, BigDecimal hold,
			@Nullable BigDecimal charged, long reserves, long settles, long releases, long expiries,
			BigDecimal reserved, BigDecimal spent, BigDecimal reservedNet, BigDecimal spentNet, BigDecimal adjustment,
			BigDecimal adjusted, long resizes) {
		String moves = reserves + " RESERVE, " + ((resizes > 0) ? resizes + " RESIZE, " : "") + settles + " SETTLE, "
				+ releases + " RELEASE, " + expiries + " EXPIRE";
		// A RESIZE moves the hold while HELD; the reservation's hold is what its RESERVE
		// and RESIZEs reserved.
		if (reserves != 1 || reserved.compareTo(hold) != 0) {
			return status + " with " + moves + " (reserved " + reserved + "), but exactly one RESERVE of " + hold
					+ ((resizes > 0) ? " with its RESIZEs" : "") + " is expected";
		}
		boolean expected = switch (status) {
			case HELD -> settles == 0 && releases == 0 && expiries == 0;
			case RELEASED -> settles == 0 && releases == 1 && expiries == 0;
			case EXPIRED -> settles == 0 && releases == 0 && expiries == 1;
			case SETTLED -> settles == 1 && releases == 0 && (expiries == 0 || (expiries == 1 && late));
		};
		if (!expected) {
			return status + (late ? " (late)" : "") + " with " + moves;
		}
		BigDecimal expectedReserved = (status == ReservationStatus.HELD) ? hold : BigDecimal.ZERO;
		if (reservedNet.compareTo(expectedReserved) != 0) {
			return status + " but its movements leave " + reservedNet + " reserved instead of " + expectedReserved;
		}
		BigDecimal expectedSpent = (status == ReservationStatus.SETTLED && charged != null) ? charged : BigDecimal.ZERO;
		// Corrections (ADJUST) move spent by what the reservation records as its
		// adjustment, on top of the SETTLE.
		if (adjusted.compareTo(adjustment) != 0) {
			return status + " with an adjustment of " + adjustment + " but its ADJUST entries moved spent by "
					+ adjusted;
		}
		if (spent.compareTo(expectedSpent) != 0 || spentNet.compareTo(expectedSpent.add(adjustment)) != 0) {
			return status + " and charged " + expectedSpent.add(adjustment) + " but its movements spent " + spentNet;
		}
		return null;
	}

	/**
	 * Each direct charge has one CHARGE entry on every level of its chain, moving spent
	 * by what it charged in that level's unit (money, or tokens on token budgets) and
	 * nothing else. A full join, so levels without an entry and entries outside the chain
	 * both show up.
	 */
	private List<Discrepancy> charges() {
		return this.jdbc
			.sql("""
					WITH levels AS (
					    SELECT c.id AS charge_id, b.id AS budget_id,
					           CASE WHEN b.unit = 'TOKENS' THEN coalesce(c.tokens, 0) ELSE c.amount END AS charged
					    FROM charges c JOIN budgets leaf ON leaf.id = c.budget_id JOIN budgets b ON b.id = ANY(leaf.ancestors)),
					moves AS (
					    SELECT charge_id, budget_id, count(*) AS entries, sum(spent_delta) AS spent,
					           sum(reserved_delta) AS reserved
					    FROM journal_entries WHERE charge_id IS NOT NULL GROUP BY charge_id, budget_id)
					SELECT coalesce(l.charge_id, m.charge_id) AS charge_id, coalesce(l.budget_id, m.budget_id) AS budget_id,
					    CASE WHEN l.charge_id IS NULL THEN 'has ' || m.entries || ' CHARGE entries on a budget outside its chain'
					         WHEN m.charge_id IS NULL THEN 'charged ' || l.charged || ' but has no CHARGE entry'
					         WHEN m.entries <> 1 THEN 'has ' || m.entries || ' CHARGE entries instead of one'
					         WHEN m.spent <> l.charged OR m.reserved <> 0 THEN 'charged ' || l.charged
					             || ' but its entry moved spent by ' || m.spent || ' and reserved by ' || m.reserved
					    END AS problem
					FROM levels l FULL JOIN moves m ON m.charge_id = l.charge_id AND m.budget_id = l.budget_id
					ORDER BY 2, 1""")
			.query((rs, row) -> {
				String problem = rs.getString("problem");
				return Optional.ofNullable((problem == null) ? null
						: new Discrepancy(Invariant.CHARGE, rs.getObject("budget_id", UUID.class), null,
								"Charge " + rs.getObject("charge_id", UUID.class) + " " + problem));
			})
			.list()
			.stream()
			.flatMap(Optional::stream)
			.toList();
	}

	/**
	 * Replays every budget's journal in order (per budget, id order is commit order:
	 * every entry is written under the budget's row lock). Mode changes are journaled;
	 * before the first one a budget had the other mode.
	 */
	private List<Discrepancy> hardLimits() {
		Map<UUID, Mode> firstChange = new HashMap<>();
		this.jdbc.sql("""
				SELECT DISTINCT ON (budget_id) budget_id, note FROM journal_entries
				WHERE kind = 'MODE_CHANGE' ORDER BY budget_id, id""").query(rs -> {
			firstChange.put(rs.getObject("budget_id", UUID.class), Mode.valueOf(rs.getString("note")));
		});
		List<Discrepancy> found = new ArrayList<>();
		Replay[] current = new Replay[1];
		this.jdbc.sql("""
				SELECT e.budget_id, e.id, e.kind, e.reservation_id, e.spent_delta + e.reserved_delta AS used_delta,
				       e.limit_after, e.carried_over_after, e.note, b.mode, r.late,
				       (r.charged > r.amount OR coalesce(r.charged_tokens, 0) > coalesce(r.tokens, 0)) AS overrun,
				       coalesce(c.over_limit, false) AS over_limit
				FROM journal_entries e JOIN budgets b ON b.id = e.budget_id
				LEFT JOIN reservations r ON r.id = e.reservation_id AND e.kind = 'SETTLE'
				LEFT JOIN charges c ON c.id = e.charge_id
				ORDER BY e.budget_id, e.id""").query(rs -> {
			UUID budget = rs.getObject("budget_id", UUID.class);
			Replay replay = current[0];
			if (replay == null || !replay.budget.equals(budget)) {
				Mode now = Mode.valueOf(rs.getString("mode"));
				Mode first = firstChange.get(budget);
				Mode initial = (first == null) ? now : (first == Mode.HARD) ? Mode.SOFT : Mode.HARD;
				replay = new Replay(budget, initial);
				current[0] = replay;
			}
			EntryKind kind = EntryKind.valueOf(rs.getString("kind"));
			BigDecimal delta = rs.getBigDecimal("used_delta");
			replay.used = replay.used.add(delta);
			switch (kind) {
				case OPEN, LIMIT_CHANGE -> replay.limit = rs.getBigDecimal("limit_after");
				case PERIOD_RESET -> replay.carried = rs.getBigDecimal("carried_over_after");
				case MODE_CHANGE -> replay.mode = Mode.valueOf(rs.getString("note"));
				default -> {
				}
			}
			long entry = rs.getLong("id");
			UUID reservation = rs.getObject("reservation_id", UUID.class);
			BigDecimal ceiling = replay.limit.add(replay.carried);
			// A growing RESIZE is decided like a reserve of the difference, so it too
			// stays within a HARD limit.
			boolean holds = kind == EntryKind.RESERVE || (kind == EntryKind.RESIZE && delta.signum() > 0);
			if (holds && replay.mode == Mode.HARD && replay.used.compareTo(ceiling) > 0) {
				found.add(new Discrepancy(Invariant.HARD_LIMIT, budget, reservation,
						kind + " #" + entry + " took spent + reserved to " + replay.used.toPlainString()
								+ " on a HARD limit of " + ceiling.toPlainString()));
			}
			// A direct charge is booked past a HARD limit (it is spend that happened),
			// but only flagged as such.
			if (kind == EntryKind.CHARGE && replay.mode == Mode.HARD && delta.signum() > 0
					&& replay.used.compareTo(ceiling) > 0 && !rs.getBoolean("over_limit")) {
				found.add(new Discrepancy(Invariant.HARD_LIMIT, budget, null,
						"CHARGE #" + entry + " took spent + reserved to " + replay.used.toPlainString()
								+ " on a HARD limit of " + ceiling.toPlainString()
								+ " but its charge is not flagged over the limit"));
			}
			if (kind == EntryKind.SETTLE && delta.signum() > 0 && !rs.getBoolean("late") && !rs.getBoolean("overrun")) {
				found.add(new Discrepancy(Invariant.HARD_LIMIT, budget, reservation,
						"SETTLE #" + entry + " added " + delta.toPlainString()
								+ " beyond its hold but is neither a recorded overrun nor a late settlement"));
			}
		});
		return found;
	}

	/**
	 * A stored reserve answer is a 201 whose Location names the reservation it created.
	 * An Idempotency-Key lives in its key space (what the sending API key may act for:
	 * its bound budget, or its role), so the reservations it may have created are those
	 * sent with the same key by any API key of that space.
	 */
	private List<Discrepancy> idempotencyKeys() {
		return this.jdbc
			.sql("""
					WITH spaces AS (
					    SELECT id AS api_key_id, COALESCE(CAST(budget_id AS text), role) AS key_space FROM api_keys),
					keys AS (
					    SELECT key_space, idempotency_key, response_status, created_at, expires_at,
					           CASE WHEN response_status = 201 AND location ~ '^/v1/reservations/[0-9a-f-]{36}$'
					                THEN CAST(substring(location FROM 18) AS uuid) END AS answered
					    FROM idempotency_keys),
					sent AS (
					    SELECT r.id, r.idempotency_key, r.created_at, s.key_space
					    FROM reservations r JOIN spaces s ON s.api_key_id = r.api_key_id
					    WHERE r.idempotency_key IS NOT NULL),
					effects AS (
					    SELECT k.key_space, k.idempotency_key, k.response_status, k.answered,
					           array_agg(r.id ORDER BY r.id) FILTER (WHERE r.id IS NOT NULL) AS created
					    FROM keys k LEFT JOIN sent r ON r.key_space = k.key_space
					        AND r.idempotency_key = k.idempotency_key
					        AND r.created_at > k.created_at - (k.expires_at - k.created_at)
					    GROUP BY k.key_space, k.idempotency_key, k.response_status, k.answered),
					checked AS (
					    SELECT e.*, a.idempotency_key AS answered_key, a.key_space AS answered_space
					    FROM effects e LEFT JOIN sent a ON a.id = e.answered)
					SELECT idempotency_key, answered, created, response_status,
					    CASE WHEN cardinality(created) > 1 THEN 'took effect ' || cardinality(created) || ' times: reservations ' || array_to_string(created, ', ')
					         WHEN cardinality(created) = 1 AND answered IS DISTINCT FROM created[1] THEN 'created reservation ' || created[1] || ' but its stored answer (' || response_status || ') does not name it'
					         WHEN answered IS NOT NULL AND (created IS NULL OR answered_key IS DISTINCT FROM idempotency_key OR answered_space IS DISTINCT FROM key_space) THEN 'its stored answer names reservation ' || answered || ', which it did not create'
					    END AS problem
					FROM checked""")
			.query((rs, row) -> {
				String problem = rs.getString("problem");
				if (problem == null) {
					return Optional.<Discrepancy>empty();
				}
				UUID answered = rs.getObject("answered", UUID.class);
				return Optional.of(new Discrepancy(Invariant.IDEMPOTENCY, null, answered,
						"Idempotency-Key " + rs.getString("idempotency_key") + " " + problem));
			})
			.list()
			.stream()
			.flatMap(Optional::stream)
			.toList();
	}

	/**
	 * Each run's counters per level, recomputed from its reservations. A full join, so
	 * counters without reservations and reservations without counters both show up.
	 */
	private List<Discrepancy> runs() {
		// The upgrade test checks databases at schema versions from before run caps
		// (V24).
		if (!Boolean.TRUE
			.equals(this.jdbc.sql("SELECT to_regclass('run_usage') IS NOT NULL").query(Boolean.class).single())) {
			return List.of();
		}
		return this.jdbc
			.sql("""
					WITH expected AS (
					    SELECT b.id AS budget_id, r.run_id, count(*) AS calls,
					           sum(CASE WHEN r.status = 'HELD' THEN
					                        CASE WHEN b.unit = 'TOKENS' THEN coalesce(r.tokens, 0) ELSE r.amount END
					                    WHEN r.status = 'SETTLED' THEN
					                        CASE WHEN b.unit = 'TOKENS' THEN coalesce(r.charged_tokens, 0)
					                             ELSE r.charged + r.adjustment END
					                    ELSE 0 END) AS amount
					    FROM reservations r JOIN budgets leaf ON leaf.id = r.budget_id JOIN budgets b ON b.id = ANY(leaf.ancestors)
					    WHERE r.run_id IS NOT NULL GROUP BY b.id, r.run_id)
					SELECT coalesce(e.budget_id, u.budget_id) AS budget_id, coalesce(e.run_id, u.run_id) AS run_id,
					    CASE WHEN u.budget_id IS NULL THEN 'has ' || e.calls || ' reservations but no counters'
					         WHEN e.budget_id IS NULL THEN 'counts ' || u.calls || ' calls and ' || u.amount
					             || ' but has no reservations'
					         WHEN u.calls <> e.calls OR u.amount <> e.amount THEN 'counts ' || u.calls || ' calls and '
					             || u.amount || ' but its reservations make ' || e.calls || ' and ' || e.amount
					    END AS problem
					FROM expected e FULL JOIN run_usage u ON u.budget_id = e.budget_id AND u.run_id = e.run_id
					ORDER BY 1, 2""")
			.query((rs, row) -> {
				String problem = rs.getString("problem");
				return Optional.ofNullable((problem == null) ? null : new Discrepancy(Invariant.RUNS,
						rs.getObject("budget_id", UUID.class), null, "Run " + rs.getString("run_id") + " " + problem));
			})
			.list()
			.stream()
			.flatMap(Optional::stream)
			.toList();
	}

	private static final class Replay {

		final UUID budget;

		Mode mode;

		BigDecimal limit = BigDecimal.ZERO;

		BigDecimal carried = BigDecimal.ZERO;

		BigDecimal used = BigDecimal.ZERO;

		Replay(UUID budget, Mode mode) {
			this.budget = budget;
			this.mode = mode;
		}

	}

	/** The invariants, as named in the reconciliation report. */
	public enum Invariant {

		BALANCE, HOLDS, RESERVATION_STATE, CHARGE, HARD_LIMIT, IDEMPOTENCY, RUNS

	}

	/**
	 * One broken invariant.
	 *
	 * @param budgetId the budget it concerns, if one
	 * @param reservationId the reservation it concerns, if one
	 */
	public record Discrepancy(Invariant invariant, @Nullable UUID budgetId, @Nullable UUID reservationId,
			String problem) {
	}

	/** How many rows the check covered. */
	public record Checked(long budgets, long reservations, long journalEntries, long idempotencyKeys) {
	}

	public record Report(Checked checked, List<Discrepancy> discrepancies) {

		public boolean ok() {
			return this.discrepancies.isEmpty();
		}

	}

}
