package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.TokenPrice;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads reservations. Every write goes through {@link Ledger}. */
@Repository
public class Reservations {

	static final String COLUMNS = """
			r.id, r.budget_id, r.status, r.amount, r.charged, r.released, r.model, r.input_tokens, r.max_output_tokens,
			r.input_price_per_million, r.output_price_per_million, r.settled_input_tokens, r.settled_output_tokens,
			r.late, r.metadata, r.expires_at, r.created_at, r.updated_at, r.finished_at, b.currency""";

	private final JdbcClient jdbc;

	private final RowMapper<Reservation> mapper;

	Reservations(JdbcClient jdbc, Metadata metadata) {
		this.jdbc = jdbc;
		this.mapper = (rs, row) -> map(rs, metadata);
	}

	public Optional<Reservation> find(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM reservations r JOIN budgets b ON b.id = r.budget_id WHERE r.id = :id")
			.param("id", id)
			.query(this.mapper)
			.optional();
	}

	public Reservation get(UUID id) {
		return find(id).orElseThrow(() -> new ReservationNotFoundException(id));
	}

	RowMapper<Reservation> mapper() {
		return this.mapper;
	}

	private static Reservation map(ResultSet rs, Metadata metadata) throws SQLException {
		String model = rs.getString("model");
		TokenPrice price = (model != null) ? new TokenPrice(model, rs.getString("currency"),
				rs.getBigDecimal("input_price_per_million"), rs.getBigDecimal("output_price_per_million")) : null;
		return new Reservation(rs.getObject("id", UUID.class), rs.getObject("budget_id", UUID.class),
				ReservationStatus.valueOf(rs.getString("status")), rs.getBigDecimal("amount"),
				rs.getBigDecimal("charged"), rs.getBigDecimal("released"), price, longOrNull(rs, "input_tokens"),
				longOrNull(rs, "max_output_tokens"), longOrNull(rs, "settled_input_tokens"),
				longOrNull(rs, "settled_output_tokens"), rs.getBoolean("late"), metadata.read(rs.getString("metadata")),
				rs.getTimestamp("expires_at").toInstant(), rs.getTimestamp("created_at").toInstant(),
				rs.getTimestamp("updated_at").toInstant(), instantOrNull(rs.getTimestamp("finished_at")));
	}

	private static @Nullable Long longOrNull(ResultSet rs, String column) throws SQLException {
		long value = rs.getLong(column);
		return rs.wasNull() ? null : value;
	}

	private static java.time.@Nullable Instant instantOrNull(@Nullable Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

	static BigDecimal zeroIfNull(@Nullable BigDecimal value) {
		return (value != null) ? value : BigDecimal.ZERO;
	}

}
