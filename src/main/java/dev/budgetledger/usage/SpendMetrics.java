package dev.budgetledger.usage;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Spend as Prometheus gauges, read from the database every {@code refresh}: per root
 * budget {@code budget_ledger_budget_spent}, {@code _reserved} and {@code _limit} (this
 * period, the limit with anything carried over), and per model
 * {@code budget_ledger_model_spend_24h} (what settlements and charges booked on the root
 * budgets in the last 24 hours, so each call counts once).
 * <p>
 * Label cardinality is bounded by the settings, not by the data: only the
 * {@code maxBudgets} roots that spent most and the {@code maxModels} models that spent
 * most are named, by their name and unit; everything else is summed under {@code other},
 * so the sums over a unit stay right. Budget ids never appear. Values are doubles, for
 * charts; the exact figures are the API's. Every instance publishes the same figures:
 * aggregate with {@code max}.
 */
@Component
class SpendMetrics {

	static final String OTHER = "other";

	private static final Duration WINDOW = Duration.ofHours(24);

	private final JdbcClient jdbc;

	private final SpendMetricsSettings settings;

	private final Clock clock;

	private final MultiGauge spent;

	private final MultiGauge reserved;

	private final MultiGauge limit;

	private final MultiGauge modelSpend;

	SpendMetrics(JdbcClient jdbc, SpendMetricsSettings settings, Clock clock, MeterRegistry meters) {
		this.jdbc = jdbc;
		this.settings = settings;
		this.clock = clock;
		this.spent = MultiGauge.builder("budget_ledger.budget.spent")
			.description(
					"Spent this period by each root budget that spent most (the rest as budget=other), in its unit")
			.register(meters);
		this.reserved = MultiGauge.builder("budget_ledger.budget.reserved")
			.description("Held now on each of those root budgets, in its unit")
			.register(meters);
		this.limit = MultiGauge.builder("budget_ledger.budget.limit")
			.description("The limit (with anything carried over) of each of those root budgets, in its unit")
			.register(meters);
		this.modelSpend = MultiGauge.builder("budget_ledger.model.spend.24h")
			.description("Spend of the last 24 hours by each model that spent most (the rest as model=other)")
			.register(meters);
	}

	private record BudgetRow(String budget, String unit, double spent, double reserved, double limit) {
	}

	private record ModelRow(String model, String unit, double spend) {
	}

	/** One snapshot for all four, so a scrape never mixes two moments. */
	@Scheduled(fixedDelayString = "${budget-ledger.spend-metrics.refresh:60s}")
	@Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
	public void refresh() {
		if (!this.settings.enabled()) {
			return;
		}
		List<BudgetRow> budgets = this.jdbc.sql("""
				WITH ranked AS (
				    SELECT name, unit, spent, reserved, limit_amount + carried_over AS effective_limit,
				           row_number() OVER (ORDER BY spent DESC, id) AS rank
				    FROM budgets WHERE parent_id IS NULL)
				SELECT CASE WHEN rank <= :most THEN name ELSE :other END AS budget, unit,
				       sum(spent) AS spent, sum(reserved) AS reserved, sum(effective_limit) AS effective_limit
				FROM ranked GROUP BY 1, 2""")
			.param("most", this.settings.maxBudgets())
			.param("other", OTHER)
			.query((rs, row) -> new BudgetRow(rs.getString("budget"), rs.getString("unit"),
					rs.getBigDecimal("spent").doubleValue(), rs.getBigDecimal("reserved").doubleValue(),
					rs.getBigDecimal("effective_limit").doubleValue()))
			.list();
		List<ModelRow> models = this.jdbc.sql("""
				WITH spend AS (
				    SELECT coalesce(r.model, :unpriced) AS model, b.unit, j.spent_delta AS amount
				    FROM journal_entries j
				    JOIN budgets b ON b.id = j.budget_id
				    JOIN reservations r ON r.id = j.reservation_id
				    WHERE b.parent_id IS NULL AND j.reservation_id IS NOT NULL AND j.created_at >= :since
				    UNION ALL
				    SELECT coalesce(c.model, :unpriced), b.unit, j.spent_delta
				    FROM journal_entries j
				    JOIN budgets b ON b.id = j.budget_id
				    JOIN charges c ON c.id = j.charge_id
				    WHERE b.parent_id IS NULL AND j.kind = 'CHARGE' AND j.created_at >= :since),
				totals AS (SELECT model, unit, sum(amount) AS amount FROM spend GROUP BY 1, 2),
				ranked AS (SELECT model, unit, amount, row_number() OVER (ORDER BY amount DESC, model, unit) AS rank
				           FROM totals)
				SELECT CASE WHEN rank <= :most THEN model ELSE :other END AS model, unit, sum(amount) AS amount
				FROM ranked GROUP BY 1, 2""")
			.param("unpriced", UsageReports.UNPRICED)
			.param("since", Timestamp.from(this.clock.instant().minus(WINDOW)))
			.param("most", this.settings.maxModels())
			.param("other", OTHER)
			.query((rs, row) -> new ModelRow(rs.getString("model"), rs.getString("unit"),
					rs.getBigDecimal("amount").doubleValue()))
			.list();
		this.spent.register(budgets.stream().map(b -> row(b, b.spent())).toList(), true);
		this.reserved.register(budgets.stream().map(b -> row(b, b.reserved())).toList(), true);
		this.limit.register(budgets.stream().map(b -> row(b, b.limit())).toList(), true);
		this.modelSpend.register(models.stream()
			.map(m -> MultiGauge.Row.of(Tags.of("model", m.model(), "unit", m.unit()), m.spend()))
			.toList(), true);
	}

	private static MultiGauge.Row<Number> row(BudgetRow budget, double value) {
		return MultiGauge.Row.of(Tags.of("budget", budget.budget(), "unit", budget.unit()), value);
	}

}
