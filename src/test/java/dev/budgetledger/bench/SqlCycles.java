package dev.budgetledger.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The raw-SQL limit: the statements {@code Ledger.reserve} and {@code Ledger.settle}
 * issue for a money budget without thresholds or period roll-over, copied from
 * {@code Ledger}, {@code Budgets} and {@code Reservations}, in the same transactions and
 * lock order, over one plain JDBC connection per client. No HTTP, no authentication, no
 * JSON, no pool, no row mapping beyond the figures the check needs: what the service
 * costs on top is the gap.
 * <p>
 * Keep in step with {@code src/main/java/dev/budgetledger/ledger/Ledger.java} when its
 * SQL changes.
 */
final class SqlCycles implements ReserveSettleBenchmark.Cycles {

	static final String BUDGET_COLUMNS = """
			id, name, parent_id, root_id, depth, ancestors, unit, limit_amount, spent, reserved, held_count,
			calls_in_period, denied_count, status, frozen_reason, frozen_at, period, timezone, period_start, rollover,
			rollover_cap, carried_over, mode, thresholds, downgrade_at, max_amount_per_call, max_tokens_per_call,
			max_calls_per_period, max_concurrent_holds, metadata, created_at, updated_at""";

	static final String RESERVATION_COLUMNS = """
			id, budget_id, status, currency, amount, tokens, charged, charged_tokens, released, model, requested_model,
			downgraded, capped, input_tokens, max_output_tokens, input_price_per_million, output_price_per_million,
			cache_read_price_per_million, cache_write_price_per_million, reasoning_price_per_million,
			settled_input_tokens, settled_output_tokens, settled_cache_read_tokens, settled_cache_write_tokens,
			settled_reasoning_tokens, late, metadata, expires_at, created_at, updated_at, finished_at""";

	/** Locks.chain. */
	static final String LOCK_CHAIN = "SELECT " + BUDGET_COLUMNS + """
			 FROM budgets WHERE id = ANY(CAST((SELECT ancestors FROM budgets WHERE id = :leaf) AS uuid[]))
			ORDER BY depth FOR UPDATE""";

	/**
	 * Ledger.moveChain: the chain's journal entries and balances, after a CTE on the
	 * reservation.
	 */
	static final String MOVE = """
			lv AS (SELECT id, root_id, depth, unit = 'TOKENS' AS t FROM budgets WHERE id IN (:chain)),
			journaled AS (
			    INSERT INTO journal_entries (budget_id, root_id, reservation_id, kind, amount, spent_delta, reserved_delta,
			        created_at)
			    SELECT id, root_id, :reservationId, :kind,
			           CASE WHEN t THEN CAST(:tokenAmount AS numeric) ELSE CAST(:moneyAmount AS numeric) END,
			           CASE WHEN t THEN CAST(:tokenSpent AS numeric) ELSE CAST(:moneySpent AS numeric) END,
			           CASE WHEN t THEN CAST(:tokenReserved AS numeric) ELSE CAST(:moneyReserved AS numeric) END, :now
			    FROM lv ORDER BY depth),
			moved AS (
			    UPDATE budgets b SET
			        spent = b.spent + CASE WHEN lv.t THEN CAST(:tokenSpent AS numeric) ELSE CAST(:moneySpent AS numeric) END,
			        reserved = b.reserved + CASE WHEN lv.t THEN CAST(:tokenReserved AS numeric) ELSE CAST(:moneyReserved AS numeric) END,
			        held_count = b.held_count + :held, calls_in_period = b.calls_in_period + :calls, updated_at = :now
			    FROM lv WHERE b.id = lv.id)
			""";

	/**
	 * Ledger.reserve: the reservation, its journal entries and the chain's balances in
	 * one statement.
	 */
	static final String RESERVE_AND_MOVE = "WITH "
			+ """
					held AS (
					    INSERT INTO reservations (id, budget_id, root_id, status, currency, amount, tokens, model, requested_model,
					        downgraded, capped, input_tokens, max_output_tokens, input_price_per_million,
					        output_price_per_million, cache_read_price_per_million, cache_write_price_per_million,
					        reasoning_price_per_million, metadata, expires_at, created_at, updated_at)
					    VALUES (:reservationId, :budgetId, :rootId, 'HELD', :currency, :amount, :tokens, :model, :requestedModel,
					        :downgraded, :capped, :inputTokens, :maxOutputTokens, :inputPrice, :outputPrice,
					        :cacheReadPrice, :cacheWritePrice, :reasoningPrice, CAST(:metadata AS jsonb), :expiresAt, :now, :now)),
					"""
			+ MOVE + "SELECT count(*) FROM lv";

	/** Reservations.lock. */
	static final String LOCK_RESERVATION = "SELECT " + RESERVATION_COLUMNS
			+ " FROM reservations WHERE id = :id FOR UPDATE";

	/**
	 * Ledger.doSettle: the reservation, journal and balances in one statement that
	 * answers the settled reservation.
	 */
	static final String SETTLE_AND_MOVE = "WITH " + """
			settled AS (
			    UPDATE reservations SET status = 'SETTLED', charged = :charged, charged_tokens = :chargedTokens,
			        released = :released, settled_input_tokens = :input, settled_output_tokens = :output,
			        settled_cache_read_tokens = :cacheRead, settled_cache_write_tokens = :cacheWrite,
			        settled_reasoning_tokens = :reasoning, late = :late, updated_at = :now,
			        finished_at = coalesce(finished_at, :now)
			    WHERE id = :reservationId RETURNING *),
			""" + MOVE + "SELECT " + RESERVATION_COLUMNS + " FROM settled";

	private static final Pattern NAMED = Pattern.compile("(?<!:):([A-Za-z]+)");

	static final BigDecimal RESERVE = new BigDecimal("0.01");

	static final BigDecimal SETTLE = new BigDecimal("0.005");

	private static final Duration TTL = Duration.ofSeconds(600);

	private final Connection connection;

	private final Map<String, Prepared> statements = new HashMap<>();

	SqlCycles(ReserveSettleBenchmark.Settings settings, String databaseUrl) throws SQLException {
		Properties properties = new Properties();
		properties.setProperty("user", settings.username());
		properties.setProperty("password", settings.password());
		// The service's connection settings (application.properties), so both wait on
		// locks the same way.
		properties.setProperty("currentSchema", "budget_ledger");
		properties.setProperty("options", "-c lock_timeout=2000 -c statement_timeout=10000");
		this.connection = DriverManager.getConnection(databaseUrl, properties);
		this.connection.setAutoCommit(false);
	}

	@Override
	public UUID reserve(UUID budget) throws SQLException {
		Instant now = now();
		try {
			List<UUID> chain = lockChain(budget, RESERVE);
			UUID id = uuid7(now);
			Map<String, Object> insert = new HashMap<>();
			insert.put("budgetId", budget);
			insert.put("rootId", chain.get(0));
			insert.put("currency", "USD");
			insert.put("amount", RESERVE);
			insert.put("downgraded", false);
			insert.put("capped", false);
			for (String nothing : List.of("tokens", "model", "requestedModel", "inputTokens", "maxOutputTokens",
					"inputPrice", "outputPrice", "cacheReadPrice", "cacheWritePrice", "reasoningPrice")) {
				insert.put(nothing, null);
			}
			insert.put("metadata", "{}");
			insert.put("expiresAt", Timestamp.from(now.plus(TTL)));
			insert.put("now", Timestamp.from(now));
			moveChain(RESERVE_AND_MOVE, insert, chain, id, "RESERVE", RESERVE, BigDecimal.ZERO, RESERVE, 1, 1, now);
			this.connection.commit();
			return id;
		}
		catch (SQLException | RuntimeException ex) {
			this.connection.rollback();
			throw ex;
		}
	}

	@Override
	public void settle(UUID reservation) throws SQLException {
		Instant now = now();
		try {
			UUID budget;
			BigDecimal held;
			try (ResultSet row = query(LOCK_RESERVATION, Map.of("id", reservation))) {
				if (!row.next() || !"HELD".equals(row.getString("status"))) {
					throw new IllegalStateException("Reservation " + reservation + " is not held");
				}
				budget = row.getObject("budget_id", UUID.class);
				held = row.getBigDecimal("amount");
			}
			List<UUID> chain = lockChain(budget, null);
			Map<String, Object> settle = new HashMap<>();
			settle.put("charged", SETTLE);
			settle.put("released", held.subtract(SETTLE).max(BigDecimal.ZERO));
			for (String nothing : List.of("chargedTokens", "input", "output", "cacheRead", "cacheWrite", "reasoning")) {
				settle.put(nothing, null);
			}
			settle.put("late", false);
			settle.put("now", Timestamp.from(now));
			moveChain(SETTLE_AND_MOVE, settle, chain, reservation, "SETTLE", SETTLE, SETTLE, held.negate(), -1, 0, now);
			this.connection.commit();
		}
		catch (SQLException | RuntimeException ex) {
			this.connection.rollback();
			throw ex;
		}
	}

	@Override
	public void close() throws SQLException {
		this.connection.close();
	}

	/**
	 * Locks the chain root first; with {@code ask}, checks that every level has room for
	 * it, as the Decider does.
	 */
	private List<UUID> lockChain(UUID leaf, BigDecimal ask) throws SQLException {
		List<UUID> chain = new ArrayList<>();
		try (ResultSet rows = query(LOCK_CHAIN, Map.of("leaf", leaf))) {
			while (rows.next()) {
				chain.add(rows.getObject("id", UUID.class));
				BigDecimal available = rows.getBigDecimal("limit_amount")
					.add(rows.getBigDecimal("carried_over"))
					.subtract(rows.getBigDecimal("spent"))
					.subtract(rows.getBigDecimal("reserved"));
				if (ask != null && available.compareTo(ask) < 0) {
					throw new IllegalStateException("Budget " + leaf + " has no room left");
				}
			}
		}
		if (chain.isEmpty()) {
			throw new IllegalStateException("No budget " + leaf);
		}
		return chain;
	}

	private void moveChain(String sql, Map<String, Object> move, List<UUID> chain, UUID reservation, String kind,
			BigDecimal amount, BigDecimal spent, BigDecimal reserved, int held, int calls, Instant now)
			throws SQLException {
		move.put("chain", chain);
		move.put("reservationId", reservation);
		move.put("kind", kind);
		move.put("moneyAmount", amount);
		move.put("moneySpent", spent);
		move.put("moneyReserved", reserved);
		move.put("tokenAmount", BigDecimal.ZERO);
		move.put("tokenSpent", BigDecimal.ZERO);
		move.put("tokenReserved", BigDecimal.ZERO);
		move.put("held", held);
		move.put("calls", calls);
		move.put("now", Timestamp.from(now));
		try (ResultSet row = query(sql, move)) {
			row.next();
		}
	}

	private ResultSet query(String sql, Map<String, Object> params) throws SQLException {
		return bind(sql, params).executeQuery();
	}

	/**
	 * Named parameters as JdbcClient expands them: each {@code :name} a {@code ?}, a list
	 * one {@code ?} per item.
	 */
	private PreparedStatement bind(String sql, Map<String, Object> params) throws SQLException {
		int listSize = params.values()
			.stream()
			.filter(List.class::isInstance)
			.mapToInt(value -> ((List<?>) value).size())
			.findFirst()
			.orElse(0);
		Prepared prepared = this.statements.get(sql + "#" + listSize);
		if (prepared == null) {
			List<String> names = new ArrayList<>();
			StringBuilder positional = new StringBuilder();
			Matcher matcher = NAMED.matcher(sql);
			while (matcher.find()) {
				names.add(matcher.group(1));
				Object value = params.get(matcher.group(1));
				String marks = (value instanceof List<?> list)
						? String.join(", ", java.util.Collections.nCopies(list.size(), "?")) : "?";
				matcher.appendReplacement(positional, marks);
			}
			matcher.appendTail(positional);
			prepared = new Prepared(this.connection.prepareStatement(positional.toString()), names);
			this.statements.put(sql + "#" + listSize, prepared);
		}
		int index = 1;
		for (String name : prepared.names()) {
			if (!params.containsKey(name)) {
				throw new IllegalArgumentException("No value for :" + name);
			}
			Object value = params.get(name);
			if (value instanceof List<?> list) {
				for (Object item : list) {
					prepared.statement().setObject(index++, item);
				}
			}
			else if (value == null) {
				prepared.statement().setNull(index++, Types.NULL);
			}
			else {
				prepared.statement().setObject(index++, value);
			}
		}
		return prepared.statement();
	}

	private record Prepared(PreparedStatement statement, List<String> names) {
	}

	private static Instant now() {
		return Instant.now().truncatedTo(ChronoUnit.MICROS);
	}

	/**
	 * Time-ordered like the service's Ids.newId, so both fill the primary key index the
	 * same way.
	 */
	private static UUID uuid7(Instant now) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long msb = (now.toEpochMilli() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
		long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(msb, lsb);
	}

}
