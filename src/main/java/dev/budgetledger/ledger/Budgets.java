package dev.budgetledger.ledger;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads budgets. Every write goes through {@link Ledger}. */
@Repository
public class Budgets {

	static final String COLUMNS = "id, name, currency, limit_amount, spent, reserved, status, metadata, denied_count, created_at, updated_at";

	private final JdbcClient jdbc;

	private final RowMapper<Budget> mapper;

	Budgets(JdbcClient jdbc, Metadata metadata) {
		this.jdbc = jdbc;
		this.mapper = (rs, row) -> map(rs, metadata);
	}

	public Optional<Budget> find(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM budgets WHERE id = :id")
			.param("id", id)
			.query(this.mapper)
			.optional();
	}

	public Budget get(UUID id) {
		return find(id).orElseThrow(() -> new BudgetNotFoundException(id));
	}

	/**
	 * Reads a budget and locks its row until the transaction ends, so it stays as read until the caller changes it
	 * (the "before" of an audited change). Budget first, as every lock path in {@link Ledger} does.
	 */
	public Budget getForUpdate(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM budgets WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(this.mapper)
			.optional()
			.orElseThrow(() -> new BudgetNotFoundException(id));
	}

	/**
	 * Budgets in creation order (ids are UUIDv7), after {@code after}.
	 * @param scopeRoot only budgets in the subtree of this one (see {@link BudgetScope}), or {@code null} for all
	 */
	public List<Budget> list(@Nullable UUID after, int limit, @Nullable UUID scopeRoot) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM budgets WHERE (CAST(:after AS uuid) IS NULL OR id > :after)"
				+ " AND (CAST(:scopeRoot AS uuid) IS NULL OR id IN (" + BudgetScope.SUBTREE + ")) ORDER BY id LIMIT :limit")
			.param("after", after)
			.param("scopeRoot", scopeRoot)
			.param("limit", limit)
			.query(this.mapper)
			.list();
	}

	RowMapper<Budget> mapper() {
		return this.mapper;
	}

	private static Budget map(ResultSet rs, Metadata metadata) throws SQLException {
		return new Budget(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("currency"),
				rs.getBigDecimal("limit_amount"), rs.getBigDecimal("spent"), rs.getBigDecimal("reserved"),
				rs.getString("status"), metadata.read(rs.getString("metadata")), rs.getLong("denied_count"),
				rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
	}

}
