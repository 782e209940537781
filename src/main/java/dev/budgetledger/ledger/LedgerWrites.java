package dev.budgetledger.ledger;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.journal.EntryKind;
import dev.budgetledger.reservation.Counters;
import dev.budgetledger.reservation.Reservation;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.io.JsonStringEncoder;

import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.TokenPrice;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The writes of the reserves and settles served under one lock, held back and sent in one
 * call of the database function {@code ledger_write} before the commit: every new
 * reservation, every settled one, the journal entries of all of them in the order they
 * were served, and one update per budget with the net change of the whole batch. A hot
 * budget's row is then written once per batch, not once per request, and a batch of any
 * size costs one round trip for its writes.
 * <p>
 * The answers are computed in Java before the writes are sent, so this stores exactly
 * what the answers say: amounts are rounded as a {@code NUMERIC(38,18)} column rounds
 * them (half away from zero) before they are summed, so each budget's balance stays the
 * sum of its journal. Anything that reads or journals what is held back here (the inline
 * expiry of overdue holds, reading a reservation again) must {@link #flush} first.
 * <p>
 * Not thread-safe: one thread uses it, inside the transaction that holds the locks.
 */
final class LedgerWrites {

	/**
	 * Stores what the batch computed, in one round trip
	 * (db/migration/V10__ledger_write.sql says why a function).
	 */
	private static final String SQL = """
			SELECT ledger_write(CAST(:holds AS json), CAST(:settles AS json), CAST(:journal AS json),
			    CAST(:moves AS json), :now)""";

	/**
	 * Per-unit change of one movement: the journal amount, and what it adds to spent and
	 * reserved.
	 */
	record Delta(BigDecimal amount, BigDecimal spent, BigDecimal reserved) {
	}

	private final JdbcClient jdbc;

	private final StringBuilder holds = new StringBuilder();

	private final StringBuilder settles = new StringBuilder();

	private final StringBuilder journal = new StringBuilder();

	private int journaled;

	private final Map<UUID, Move> moves = new LinkedHashMap<>();

	/**
	 * Run and minute counters: what the batch adds, per (budget, run) and per budget's
	 * window, and the runs of its new reservations. Sent after {@code ledger_write}, in
	 * one more statement, only by batches that have any.
	 */
	private final Map<RunKey, Counters.RunCount> runs = new LinkedHashMap<>();

	private final Map<UUID, Window> windows = new LinkedHashMap<>();

	private final Map<UUID, String> runOfHold = new LinkedHashMap<>();

	private final Map<UUID, UUID> rootOf = new LinkedHashMap<>();

	LedgerWrites(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** A new held reservation, on a chain whose root is {@code rootId}. */
	void hold(Reservation reservation, UUID rootId, String metadataJson, @Nullable UUID apiKeyId,
			@Nullable String idempotencyKey) {
		TokenPrice price = reservation.price();
		StringBuilder out = next(this.holds);
		field(out, "id", reservation.id());
		field(out, "budget_id", reservation.budgetId());
		field(out, "root_id", rootId);
		field(out, "currency", reservation.currency());
		field(out, "amount", stored(reservation.amount()));
		field(out, "tokens", reservation.tokens());
		field(out, "model", (price != null) ? price.model() : null);
		field(out, "requested_model", reservation.requestedModel());
		field(out, "downgraded", reservation.downgraded());
		field(out, "capped", reservation.capped());
		field(out, "input_tokens", reservation.inputTokens());
		field(out, "max_output_tokens", reservation.maxOutputTokens());
		field(out, "input_price", (price != null) ? price.inputPerMillion() : null);
		field(out, "output_price", (price != null) ? price.outputPerMillion() : null);
		field(out, "cache_read_price", (price != null) ? price.cacheReadPerMillion() : null);
		field(out, "cache_write_price", (price != null) ? price.cacheWritePerMillion() : null);
		field(out, "reasoning_price", (price != null) ? price.reasoningPerMillion() : null);
		out.append("\"metadata\":").append(metadataJson).append(',');
		field(out, "expires_at", reservation.expiresAt());
		field(out, "api_key_id", apiKeyId);
		last(out, "idempotency_key", idempotencyKey);
	}

	/**
	 * A reservation as it stands settled (status, charge, release, usage and lateness are
	 * written).
	 */
	void settle(Reservation settled) {
		TokenPrice.Usage usage = settled.usage();
		StringBuilder out = next(this.settles);
		field(out, "id", settled.id());
		field(out, "charged", settled.charged());
		field(out, "charged_tokens", settled.chargedTokens());
		field(out, "released", settled.released());
		field(out, "input", (usage != null) ? usage.inputTokens() : null);
		field(out, "output", (usage != null) ? usage.outputTokens() : null);
		field(out, "cache_read", (usage != null) ? usage.cacheReadTokens() : null);
		field(out, "cache_write", (usage != null) ? usage.cacheWriteTokens() : null);
		field(out, "reasoning", (usage != null) ? usage.reasoningTokens() : null);
		field(out, "late", settled.late());
		last(out, "claimed", settled.claimed());
	}

	/**
	 * Moves every budget of a locked chain (root first) and journals each level, in that
	 * order: money budgets by {@code money}, token budgets by {@code tokens}.
	 */
	void move(List<Budget> chain, UUID reservationId, EntryKind kind, Delta money, Delta tokens, int heldDelta,
			int callsDelta) {
		for (Budget level : chain) {
			Delta delta = level.countsTokens() ? tokens : money;
			BigDecimal amount = stored(delta.amount());
			BigDecimal spent = stored(delta.spent());
			BigDecimal reserved = stored(delta.reserved());
			StringBuilder out = next(this.journal);
			field(out, "n", this.journaled++);
			field(out, "budget_id", level.id());
			field(out, "root_id", level.rootId());
			field(out, "reservation_id", reservationId);
			field(out, "kind", kind.name());
			field(out, "amount", amount);
			field(out, "spent_delta", spent);
			last(out, "reserved_delta", reserved);
			this.moves.computeIfAbsent(level.id(), id -> new Move()).add(spent, reserved, heldDelta, callsDelta);
		}
	}

	boolean isEmpty() {
		return this.journaled == 0 && this.holds.isEmpty() && this.settles.isEmpty() && this.runs.isEmpty()
				&& this.windows.isEmpty() && this.runOfHold.isEmpty();
	}

	/**
	 * Counts a run's movement on every level of a locked chain: {@code calls} more calls
	 * and {@code amount} (in each level's unit) more held or charged.
	 */
	void run(List<Budget> chain, String runId, long calls, Function<Budget, BigDecimal> amount) {
		for (Budget level : chain) {
			this.rootOf.put(level.id(), level.rootId());
			this.runs.merge(new RunKey(level.id(), runId), new Counters.RunCount(calls, stored(amount.apply(level))),
					(a, b) -> a.plus(b.calls(), b.amount()));
		}
	}

	/** Records that the new reservation {@code reservationId} was made for the run. */
	void runOf(UUID reservationId, String runId) {
		this.runOfHold.put(reservationId, runId);
	}

	/** Counts one request and its tokens in the window starting at {@code start}. */
	void minute(Budget level, Instant start, long tokens) {
		this.rootOf.put(level.id(), level.rootId());
		this.windows.merge(level.id(), new Window(start, 1, tokens),
				(a, b) -> new Window(a.start(), a.requests() + b.requests(), a.tokens() + b.tokens()));
	}

	/**
	 * What this batch has counted but not sent for a run on a budget, to add to what the
	 * database says.
	 */
	Counters.RunCount pendingRun(UUID budgetId, String runId) {
		return this.runs.getOrDefault(new RunKey(budgetId, runId), Counters.RunCount.ZERO);
	}

	/** Likewise for a budget's window starting at {@code start}. */
	Counters.MinuteCount pendingMinute(UUID budgetId, Instant start) {
		Window window = this.windows.get(budgetId);
		return (window != null && window.start().equals(start))
				? new Counters.MinuteCount(window.requests(), window.tokens()) : Counters.MinuteCount.ZERO;
	}

	/**
	 * Sends what is held back, if anything, in one round trip; afterwards the database
	 * shows it all.
	 */
	void flush(Instant now) {
		if (isEmpty()) {
			return;
		}
		StringBuilder moved = new StringBuilder();
		this.moves.forEach((id, move) -> {
			StringBuilder out = next(moved);
			field(out, "id", id);
			field(out, "spent", move.spent);
			field(out, "reserved", move.reserved);
			field(out, "held", move.held);
			last(out, "calls", move.calls);
		});
		this.jdbc.sql(SQL)
			.param("holds", array(this.holds))
			.param("settles", array(this.settles))
			.param("journal", array(this.journal))
			.param("moves", array(moved))
			.param("now", Timestamp.from(now))
			.query((rs, row) -> row)
			.list();
		flushCounters();
		this.holds.setLength(0);
		this.settles.setLength(0);
		this.journal.setLength(0);
		this.journaled = 0;
		this.moves.clear();
	}

	/**
	 * Sends the run and minute counters and the runs of new reservations, if any, in one
	 * statement after {@code ledger_write} (which inserted those reservations). A window
	 * that is over is replaced, not added to; one from a clock behind the stored window
	 * is added to the stored one.
	 */
	private void flushCounters() {
		if (this.runs.isEmpty() && this.windows.isEmpty() && this.runOfHold.isEmpty()) {
			return;
		}
		StringBuilder runRows = new StringBuilder();
		this.runs.forEach((key, count) -> {
			StringBuilder out = next(runRows);
			field(out, "budget_id", key.budgetId());
			field(out, "run_id", key.runId());
			field(out, "root_id", this.rootOf.get(key.budgetId()));
			field(out, "calls", count.calls());
			last(out, "amount", count.amount());
		});
		StringBuilder windowRows = new StringBuilder();
		this.windows.forEach((id, window) -> {
			StringBuilder out = next(windowRows);
			field(out, "budget_id", id);
			field(out, "root_id", this.rootOf.get(id));
			field(out, "window_start", window.start());
			field(out, "requests", window.requests());
			last(out, "tokens", window.tokens());
		});
		StringBuilder named = new StringBuilder();
		this.runOfHold.forEach((id, run) -> {
			StringBuilder out = next(named);
			field(out, "id", id);
			last(out, "run_id", run);
		});
		this.jdbc.sql(COUNTERS)
			.param("runs", array(runRows))
			.param("windows", array(windowRows))
			.param("named", array(named))
			.query((rs, row) -> row)
			.list();
		this.runs.clear();
		this.windows.clear();
		this.runOfHold.clear();
		this.rootOf.clear();
	}

	private static final String COUNTERS = """
			WITH runs AS (
			    INSERT INTO run_usage (budget_id, run_id, root_id, calls, amount, updated_at)
			    SELECT r.budget_id, r.run_id, r.root_id, r.calls, r.amount, now()
			    FROM json_to_recordset(CAST(:runs AS json)) AS r(budget_id uuid, run_id text, root_id uuid, calls bigint,
			        amount numeric)
			    ON CONFLICT (budget_id, run_id) DO UPDATE SET calls = run_usage.calls + EXCLUDED.calls,
			        amount = run_usage.amount + EXCLUDED.amount, updated_at = EXCLUDED.updated_at
			    RETURNING 1),
			windows AS (
			    INSERT INTO minute_windows (budget_id, root_id, window_start, requests, tokens)
			    SELECT w.budget_id, w.root_id, w.window_start, w.requests, w.tokens
			    FROM json_to_recordset(CAST(:windows AS json)) AS w(budget_id uuid, root_id uuid,
			        window_start timestamptz, requests bigint, tokens bigint)
			    ON CONFLICT (budget_id) DO UPDATE SET
			        requests = CASE WHEN minute_windows.window_start >= EXCLUDED.window_start
			            THEN minute_windows.requests + EXCLUDED.requests ELSE EXCLUDED.requests END,
			        tokens = CASE WHEN minute_windows.window_start >= EXCLUDED.window_start
			            THEN minute_windows.tokens + EXCLUDED.tokens ELSE EXCLUDED.tokens END,
			        window_start = greatest(minute_windows.window_start, EXCLUDED.window_start)
			    RETURNING 1),
			named AS (
			    UPDATE reservations SET run_id = n.run_id
			    FROM json_to_recordset(CAST(:named AS json)) AS n(id uuid, run_id text)
			    WHERE reservations.id = n.id
			    RETURNING 1)
			SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM windows) + (SELECT count(*) FROM named)""";

	private record RunKey(UUID budgetId, String runId) {
	}

	private record Window(Instant start, long requests, long tokens) {
	}

	/**
	 * An amount as a {@code NUMERIC(38,18)} column stores it: PostgreSQL rounds extra
	 * digits half away from zero, which is {@link RoundingMode#HALF_UP}.
	 */
	static BigDecimal stored(BigDecimal amount) {
		return (amount.scale() > Amounts.SCALE) ? amount.setScale(Amounts.SCALE, RoundingMode.HALF_UP) : amount;
	}

	private static StringBuilder next(StringBuilder rows) {
		return rows.append(rows.isEmpty() ? "{" : ",{");
	}

	private static String array(StringBuilder rows) {
		return "[" + rows + "]";
	}

	private static void field(StringBuilder out, String name, @Nullable Object value) {
		value(out, name, value).append(',');
	}

	private static void last(StringBuilder out, String name, @Nullable Object value) {
		value(out, name, value).append('}');
	}

	/**
	 * Numbers go as JSON strings, so PostgreSQL reads the exact decimal; text is escaped
	 * as JSON requires.
	 */
	private static StringBuilder value(StringBuilder out, String name, @Nullable Object value) {
		out.append('"').append(name).append("\":");
		if (value == null) {
			return out.append("null");
		}
		if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
			return out.append(value);
		}
		if (value instanceof BigDecimal decimal) {
			return out.append('"').append(decimal.toPlainString()).append('"');
		}
		if (value instanceof String text) {
			out.append('"');
			JsonStringEncoder.getInstance().quoteAsString(text, out);
			return out.append('"');
		}
		// UUIDs and instants: their text needs no escaping.
		return out.append('"').append(value).append('"');
	}

	/** The net change of one budget over the batch. */
	private static final class Move {

		BigDecimal spent = BigDecimal.ZERO;

		BigDecimal reserved = BigDecimal.ZERO;

		int held;

		int calls;

		void add(BigDecimal spent, BigDecimal reserved, int held, int calls) {
			this.spent = this.spent.add(spent);
			this.reserved = this.reserved.add(reserved);
			this.held += held;
			this.calls += calls;
		}

	}

}
