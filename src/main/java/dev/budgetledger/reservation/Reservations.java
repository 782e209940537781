package dev.budgetledger.reservation;

import dev.budgetledger.budget.Budgets;
import dev.budgetledger.budget.Metadata;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads reservations. Every write goes through {@link dev.budgetledger.ledger.Ledger}.
 */
@Repository
public class Reservations {

	public static final String COLUMNS = """
			id, budget_id, status, currency, amount, tokens, charged, charged_tokens, released, model, requested_model,
			downgraded, capped, input_tokens, max_output_tokens, input_price_per_million, output_price_per_million,
			cache_read_price_per_million, cache_write_price_per_million, reasoning_price_per_million,
			settled_input_tokens, settled_output_tokens, settled_cache_read_tokens, settled_cache_write_tokens,
			settled_reasoning_tokens, late, metadata, expires_at, created_at, updated_at, finished_at, claimed, adjustment,
			run_id""";

	private final JdbcClient jdbc;

	private final RowMapper<Reservation> mapper;

	Reservations(JdbcClient jdbc, Metadata metadata) {
		this.jdbc = jdbc;
		this.mapper = (rs, row) -> map(rs, metadata);
	}

	public Optional<Reservation> find(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM reservations WHERE id = :id")
			.param("id", id)
			.query(this.mapper)
			.optional();
	}

	public Reservation get(UUID id) {
		return find(id).orElseThrow(() -> new ReservationNotFoundException(id));
	}

	/**
	 * Reservations made in the subtree of {@code budgetId} (or anywhere, when it is
	 * {@code null}), newest first (ids are UUIDv7), before {@code before}. Read through
	 * the primary key backwards: a listing is not worth one more index insert on every
	 * reserve.
	 * @param status only reservations in this state, or {@code null} for all
	 */
	public List<Reservation> listSubtree(@Nullable UUID budgetId, @Nullable ReservationStatus status,
			@Nullable UUID before, int limit) {
		return this.jdbc.sql("SELECT " + COLUMNS + """
				 FROM reservations
				WHERE (CAST(:budgetId AS uuid) IS NULL
				       OR budget_id IN (SELECT id FROM budgets WHERE ancestors @> ARRAY[CAST(:budgetId AS uuid)]))
				  AND (CAST(:status AS text) IS NULL OR status = :status)
				  AND (CAST(:before AS uuid) IS NULL OR id < :before)
				ORDER BY id DESC LIMIT :limit""")
			.param("budgetId", budgetId)
			.param("status", (status != null) ? status.name() : null)
			.param("before", before)
			.param("limit", limit)
			.query(this.mapper)
			.list();
	}

	/** Maps a row of {@link #COLUMNS}. */
	public RowMapper<Reservation> rows() {
		return this.mapper;
	}

	private static Reservation map(ResultSet rs, Metadata metadata) throws SQLException {
		String model = rs.getString("model");
		String currency = rs.getString("currency");
		TokenPrice price = (model != null) ? new TokenPrice(model, currency,
				rs.getBigDecimal("input_price_per_million"), rs.getBigDecimal("output_price_per_million"),
				rs.getBigDecimal("cache_read_price_per_million"), rs.getBigDecimal("cache_write_price_per_million"),
				rs.getBigDecimal("reasoning_price_per_million")) : null;
		Long settledInput = Budgets.longOrNull(rs, "settled_input_tokens");
		TokenPrice.Usage usage = (settledInput != null)
				? new TokenPrice.Usage(settledInput, zero(Budgets.longOrNull(rs, "settled_output_tokens")),
						zero(Budgets.longOrNull(rs, "settled_cache_read_tokens")),
						zero(Budgets.longOrNull(rs, "settled_cache_write_tokens")),
						zero(Budgets.longOrNull(rs, "settled_reasoning_tokens")))
				: null;
		return new Reservation(rs.getObject("id", UUID.class), rs.getObject("budget_id", UUID.class),
				ReservationStatus.valueOf(rs.getString("status")), currency, rs.getBigDecimal("amount"),
				Budgets.longOrNull(rs, "tokens"), rs.getBigDecimal("charged"), Budgets.longOrNull(rs, "charged_tokens"),
				rs.getBigDecimal("released"), price, rs.getString("requested_model"), rs.getBoolean("downgraded"),
				rs.getBoolean("capped"), Budgets.longOrNull(rs, "input_tokens"),
				Budgets.longOrNull(rs, "max_output_tokens"), usage, rs.getBoolean("late"),
				metadata.read(rs.getString("metadata")), rs.getTimestamp("expires_at").toInstant(),
				rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant(),
				Budgets.instant(rs.getTimestamp("finished_at")), rs.getBigDecimal("claimed"),
				rs.getBigDecimal("adjustment"), rs.getString("run_id"));
	}

	private static long zero(@Nullable Long value) {
		return (value != null) ? value : 0L;
	}

	public static BigDecimal zeroIfNull(@Nullable BigDecimal value) {
		return (value != null) ? value : BigDecimal.ZERO;
	}

}
