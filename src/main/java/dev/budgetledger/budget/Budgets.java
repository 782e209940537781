package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads budgets. Every write goes through {@link dev.budgetledger.ledger.Ledger}. */
@Repository
public class Budgets {

	public static final String COLUMNS = """
			id, name, parent_id, root_id, depth, ancestors, unit, limit_amount, spent, reserved, held_count,
			calls_in_period, denied_count, status, frozen_reason, frozen_at, period, timezone, period_start, rollover,
			rollover_cap, carried_over, mode, thresholds, downgrade_at, max_amount_per_call, max_tokens_per_call,
			max_calls_per_period, max_concurrent_holds, max_overrun_ratio, max_overrun, overrun_action, allowed_models,
			max_hold_output_tokens, max_calls_per_run, max_amount_per_run, max_requests_per_minute, max_tokens_per_minute,
			metadata, created_at, updated_at, subject, closed_at, child_template""";

	private static final TypeReference<List<BigDecimal>> DECIMALS = new TypeReference<>() {
	};

	/**
	 * The ids of the budgets in the subtree of {@code :scopeRoot}; the only definition of
	 * "subtree" in the service. Every budget stores its path from the root
	 * ({@code ancestors}, GIN-indexed), so a subtree is one index lookup.
	 */
	public static final String SUBTREE = "SELECT id FROM budgets WHERE ancestors @> ARRAY[CAST(:scopeRoot AS uuid)]";

	private final JdbcClient jdbc;

	private final RowMapper<Budget> mapper;

	Budgets(JdbcClient jdbc, Metadata metadata, JsonMapper json) {
		this.jdbc = jdbc;
		this.mapper = (rs, row) -> map(rs, metadata, json);
	}

	public Optional<Budget> find(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM budgets WHERE id = :id")
			.param("id", id)
			.query(this.mapper)
			.optional();
	}

	/** Maps a row of {@link #COLUMNS}. */
	public RowMapper<Budget> rows() {
		return this.mapper;
	}

	public Budget get(UUID id) {
		return find(id).orElseThrow(() -> new BudgetNotFoundException(id));
	}

	/**
	 * Budgets in creation order (ids are UUIDv7), after {@code after}.
	 * @param scopeRoot only budgets in the subtree of this one (see {@code BudgetScope}),
	 * or {@code null} for all
	 * @param roots only the top of each tree: budgets without a parent, or
	 * {@code scopeRoot} itself
	 */
	public List<Budget> list(@Nullable UUID after, int limit, @Nullable UUID scopeRoot, boolean roots) {
		return list(after, limit, scopeRoot, roots, Filter.NONE);
	}

	/**
	 * What a list of budgets may be narrowed to, each an exact match when set: name,
	 * parent, subject.
	 */
	public record Filter(@Nullable String name, @Nullable UUID parentId, @Nullable String subject) {

		public static final Filter NONE = new Filter(null, null, null);

	}

	/**
	 * As {@link #list(UUID, int, UUID, boolean)}, only the budgets {@code filter}
	 * matches.
	 */
	public List<Budget> list(@Nullable UUID after, int limit, @Nullable UUID scopeRoot, boolean roots, Filter filter) {
		return this.jdbc
			.sql("SELECT " + COLUMNS + " FROM budgets WHERE (CAST(:after AS uuid) IS NULL OR id > :after)"
					+ " AND (CAST(:scopeRoot AS uuid) IS NULL OR id IN (" + SUBTREE + "))"
					+ " AND (NOT :roots OR parent_id IS NULL OR id = CAST(:scopeRoot AS uuid))"
					+ " AND (CAST(:name AS text) IS NULL OR name = :name)"
					+ " AND (CAST(:parentId AS uuid) IS NULL OR parent_id = :parentId)"
					+ " AND (CAST(:subject AS text) IS NULL OR subject = :subject) ORDER BY id LIMIT :limit")
			.param("after", after)
			.param("scopeRoot", scopeRoot)
			.param("roots", roots)
			.param("name", filter.name())
			.param("parentId", filter.parentId())
			.param("subject", filter.subject())
			.param("limit", limit)
			.query(this.mapper)
			.list();
	}

	/**
	 * The id of the child of {@code parentId} made for {@code subject}, if there is one.
	 */
	public Optional<UUID> subjectChild(UUID parentId, String subject) {
		return this.jdbc.sql("SELECT id FROM budgets WHERE parent_id = :parent AND subject = :subject")
			.param("parent", parentId)
			.param("subject", subject)
			.query(UUID.class)
			.optional();
	}

	/** Direct children of a budget, in creation order, after {@code after}. */
	public List<Budget> children(UUID parentId, @Nullable UUID after, int limit) {
		return this.jdbc.sql("SELECT " + COLUMNS + """
				 FROM budgets WHERE parent_id = :parent AND (CAST(:after AS uuid) IS NULL OR id > :after)
				ORDER BY id LIMIT :limit""")
			.param("parent", parentId)
			.param("after", after)
			.param("limit", limit)
			.query(this.mapper)
			.list();
	}

	/**
	 * A budget and everything below it, parents before children, at most {@code limit}
	 * budgets.
	 */
	public List<Budget> subtree(UUID rootOfSubtree, int limit) {
		return this.jdbc
			.sql("SELECT " + COLUMNS
					+ " FROM budgets WHERE ancestors @> ARRAY[CAST(:id AS uuid)] ORDER BY depth, id LIMIT :limit")
			.param("id", rootOfSubtree)
			.param("limit", limit)
			.query(this.mapper)
			.list();
	}

	/** The budgets from the root down to {@code :leaf}, root first. */
	public static final String CHAIN = "SELECT " + COLUMNS
			+ " FROM budgets WHERE id = ANY(CAST((SELECT ancestors FROM budgets WHERE id = :leaf) AS uuid[])) ORDER BY depth";

	/**
	 * The budgets from the root down to {@code leafId}, unlocked; empty if there is no
	 * such budget.
	 */
	public List<Budget> chain(UUID leafId) {
		return this.jdbc.sql(CHAIN).param("leaf", leafId).query(this.mapper).list();
	}

	private static Budget map(ResultSet rs, Metadata metadata, JsonMapper json) throws SQLException {
		BudgetPeriod period = new BudgetPeriod(Period.valueOf(rs.getString("period")),
				ZoneId.of(rs.getString("timezone")), instant(rs.getTimestamp("period_start")),
				rs.getBoolean("rollover"), rs.getBigDecimal("rollover_cap"), rs.getBigDecimal("carried_over"));
		BudgetPolicy policy = new BudgetPolicy(Mode.valueOf(rs.getString("mode")),
				json.readValue(rs.getString("thresholds"), DECIMALS), rs.getBigDecimal("downgrade_at"),
				rs.getBigDecimal("max_amount_per_call"), longOrNull(rs, "max_tokens_per_call"),
				longOrNull(rs, "max_calls_per_period"), intOrNull(rs, "max_concurrent_holds"),
				new OverrunPolicy(rs.getBigDecimal("max_overrun_ratio"), rs.getBigDecimal("max_overrun"),
						OverrunAction.valueOf(rs.getString("overrun_action"))),
				textsOrNull(rs.getArray("allowed_models")), longOrNull(rs, "max_hold_output_tokens"),
				new RunAndMinuteCaps(longOrNull(rs, "max_calls_per_run"), rs.getBigDecimal("max_amount_per_run"),
						longOrNull(rs, "max_requests_per_minute"), longOrNull(rs, "max_tokens_per_minute")));
		Array ancestors = rs.getArray("ancestors");
		return new Budget(rs.getObject("id", UUID.class), rs.getString("name"), rs.getObject("parent_id", UUID.class),
				rs.getObject("root_id", UUID.class), rs.getInt("depth"), Arrays.asList((UUID[]) ancestors.getArray()),
				rs.getString("unit"), rs.getBigDecimal("limit_amount"), rs.getBigDecimal("spent"),
				rs.getBigDecimal("reserved"), rs.getLong("held_count"), rs.getLong("calls_in_period"),
				rs.getLong("denied_count"), rs.getString("status"), rs.getString("frozen_reason"),
				instant(rs.getTimestamp("frozen_at")), period, policy, metadata.read(rs.getString("metadata")),
				rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant(),
				rs.getString("subject"), instant(rs.getTimestamp("closed_at")), template(rs, metadata));
	}

	private static @Nullable ChildTemplate template(ResultSet rs, Metadata metadata) throws SQLException {
		String stored = rs.getString("child_template");
		return (stored != null) ? ChildTemplate.read(metadata.read(stored)) : null;
	}

	public static @Nullable Instant instant(@Nullable Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

	public static @Nullable Long longOrNull(ResultSet rs, String column) throws SQLException {
		long value = rs.getLong(column);
		return rs.wasNull() ? null : value;
	}

	private static @Nullable List<String> textsOrNull(@Nullable Array array) throws SQLException {
		return (array != null) ? List.of((String[]) array.getArray()) : null;
	}

	private static @Nullable Integer intOrNull(ResultSet rs, String column) throws SQLException {
		int value = rs.getInt(column);
		return rs.wasNull() ? null : value;
	}

}
