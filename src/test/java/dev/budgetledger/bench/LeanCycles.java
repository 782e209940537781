package dev.budgetledger.bench;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The leanest raw-SQL form of a reserve+settle cycle, the floor issue 24 measures the
 * service against: integer keys, narrow rows, no journal, no idempotency, one client-side
 * check. Two transactions per cycle:
 * <ol>
 * <li>lock the chain ({@code SELECT ... FOR UPDATE}, ids in ascending order, which is
 * root to leaf), check room, {@code INSERT} the hold, {@code UPDATE} the chain's balances
 * in one statement, {@code COMMIT};</li>
 * <li>lock the chain, {@code UPDATE} the hold, {@code UPDATE} the chain's balances,
 * {@code COMMIT}.</li>
 * </ol>
 * Its tables mirror the scenario's budgets ({@link #mirror}): each budget gets an integer
 * id in (depth, id) order, so ascending ids lock root to leaf as the service does.
 */
final class LeanCycles implements ReserveSettleBenchmark.Cycles {

	static final BigDecimal RESERVE = SqlCycles.RESERVE;

	static final BigDecimal SETTLE = SqlCycles.SETTLE;

	/**
	 * Each benchmark budget's chain as lean ids, root first; filled by {@link #mirror}.
	 */
	private static final Map<UUID, Integer[]> CHAINS = new ConcurrentHashMap<>();

	private final Connection connection;

	private final PreparedStatement lock;

	private final PreparedStatement hold;

	private final PreparedStatement reserve;

	private final PreparedStatement settleHold;

	private final PreparedStatement settle;

	/**
	 * The chain of each hold this client made and has not settled: the client knows it,
	 * as a real one would.
	 */
	private final Map<Long, Array> held = new HashMap<>();

	LeanCycles(ReserveSettleBenchmark.Settings settings, String databaseUrl) throws SQLException {
		this.connection = connect(settings, databaseUrl);
		this.connection.setAutoCommit(false);
		this.lock = this.connection.prepareStatement(
				"SELECT id, limit_amount - spent - reserved AS available FROM lean_budgets WHERE id = ANY(?) ORDER BY id FOR UPDATE");
		this.hold = this.connection
			.prepareStatement("INSERT INTO lean_holds (budget_id, amount, status) VALUES (?, ?, 0) RETURNING id");
		this.reserve = this.connection
			.prepareStatement("UPDATE lean_budgets SET reserved = reserved + ? WHERE id = ANY(?)");
		this.settleHold = this.connection
			.prepareStatement("UPDATE lean_holds SET status = 1, charged = ? WHERE id = ? AND status = 0");
		this.settle = this.connection
			.prepareStatement("UPDATE lean_budgets SET reserved = reserved - ?, spent = spent + ? WHERE id = ANY(?)");
	}

	/**
	 * Creates the lean tables beside the service's and mirrors the budgets the scenarios
	 * opened (limits included); run once after every scenario's set-up, before any lean
	 * client opens.
	 */
	static void mirror(ReserveSettleBenchmark.Settings settings, String databaseUrl) throws SQLException {
		try (Connection connection = connect(settings, databaseUrl);
				Statement statement = connection.createStatement()) {
			statement.execute("DROP TABLE IF EXISTS lean_holds, lean_budgets");
			statement.execute("""
					CREATE TABLE lean_budgets (id integer PRIMARY KEY, limit_amount numeric NOT NULL,
					    spent numeric NOT NULL DEFAULT 0, reserved numeric NOT NULL DEFAULT 0)""");
			statement.execute("""
					CREATE TABLE lean_holds (id bigserial PRIMARY KEY, budget_id integer NOT NULL,
					    amount numeric NOT NULL, charged numeric, status smallint NOT NULL)""");
			Map<UUID, Integer> ids = new HashMap<>();
			Map<UUID, UUID[]> ancestors = new HashMap<>();
			try (ResultSet rows = statement
				.executeQuery("SELECT id, ancestors, limit_amount FROM budget_ledger.budgets ORDER BY depth, id")) {
				try (PreparedStatement insert = connection
					.prepareStatement("INSERT INTO lean_budgets (id, limit_amount) VALUES (?, ?)")) {
					while (rows.next()) {
						UUID id = rows.getObject("id", UUID.class);
						int lean = ids.size() + 1;
						ids.put(id, lean);
						ancestors.put(id, (UUID[]) rows.getArray("ancestors").getArray());
						insert.setInt(1, lean);
						insert.setBigDecimal(2, rows.getBigDecimal("limit_amount"));
						insert.addBatch();
					}
					insert.executeBatch();
				}
			}
			ancestors.forEach((id, path) -> {
				List<Integer> chain = new ArrayList<>();
				for (UUID level : path) {
					chain.add(ids.get(level));
				}
				CHAINS.put(id, chain.stream().sorted().toArray(Integer[]::new));
			});
			statement.execute("ANALYZE lean_budgets");
		}
	}

	@Override
	public UUID reserve(UUID budget) throws SQLException {
		Integer[] path = CHAINS.get(budget);
		if (path == null) {
			throw new IllegalStateException("Budget " + budget + " was not mirrored");
		}
		Array chain = this.connection.createArrayOf("integer", path);
		lock(chain, RESERVE);
		this.hold.setInt(1, path[path.length - 1]);
		this.hold.setBigDecimal(2, RESERVE);
		long id;
		try (ResultSet row = this.hold.executeQuery()) {
			row.next();
			id = row.getLong(1);
		}
		this.reserve.setBigDecimal(1, RESERVE);
		this.reserve.setArray(2, chain);
		this.reserve.executeUpdate();
		this.connection.commit();
		this.held.put(id, chain);
		return new UUID(0, id);
	}

	@Override
	public void settle(UUID reservation) throws SQLException {
		long id = reservation.getLeastSignificantBits();
		Array chain = this.held.remove(id);
		if (chain == null) {
			throw new IllegalStateException("No hold " + id + " of this client");
		}
		lock(chain, null);
		this.settleHold.setBigDecimal(1, SETTLE);
		this.settleHold.setLong(2, id);
		if (this.settleHold.executeUpdate() != 1) {
			this.connection.rollback();
			throw new IllegalStateException("Hold " + id + " is not held");
		}
		this.settle.setBigDecimal(1, RESERVE);
		this.settle.setBigDecimal(2, SETTLE);
		this.settle.setArray(3, chain);
		this.settle.executeUpdate();
		this.connection.commit();
	}

	@Override
	public void close() throws SQLException {
		this.connection.close();
	}

	/**
	 * Locks the chain root first; with {@code ask}, checks that every level has room for
	 * it.
	 */
	private void lock(Array chain, BigDecimal ask) throws SQLException {
		this.lock.setArray(1, chain);
		try (ResultSet rows = this.lock.executeQuery()) {
			while (rows.next()) {
				if (ask != null && rows.getBigDecimal("available").compareTo(ask) < 0) {
					this.connection.rollback();
					throw new IllegalStateException("No room left on lean budget " + rows.getInt("id"));
				}
			}
		}
	}

	private static Connection connect(ReserveSettleBenchmark.Settings settings, String databaseUrl)
			throws SQLException {
		Properties properties = new Properties();
		properties.setProperty("user", settings.username());
		properties.setProperty("password", settings.password());
		properties.setProperty("options", "-c lock_timeout=2000 -c statement_timeout=10000");
		return DriverManager.getConnection(databaseUrl, properties);
	}

}
