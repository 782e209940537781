package dev.budgetledger.ledger;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every row that belongs to one budget tree names its tree: the distribution key sharding
 * by tenant needs (docs/scaling.md). Read from the migrated schema, so a new table of
 * tenant data must take a side here.
 */
class DistributionKeyIntegrationTests extends IntegrationTest {

	/** Tables of tenant data: each row belongs to one budget, hence to one tree. */
	private static final Set<String> TENANT_TABLES = Set.of("budget_periods", "charges", "denials", "events",
			"exhaustion_forecasts", "journal_entries", "minute_windows", "reservations", "run_usage",
			"threshold_crossings", "webhook_deliveries");

	/**
	 * Read on every request or configuration that may span trees: API keys (a CLIENT key
	 * is bound to a budget, an admin key to none) and webhook endpoints (optionally
	 * scoped to a budget); reference tables on Citus.
	 */
	private static final Set<String> NOT_TENANT_TABLES = Set.of("api_keys", "webhooks");

	@Test
	void everyTableThatNamesABudgetIsKnownToBeTenantDataOrNot() {
		List<String> withBudget = this.jdbc.sql("""
				SELECT table_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND column_name = 'budget_id'""").query(String.class).list();

		Set<String> known = new TreeSet<>(TENANT_TABLES);
		known.addAll(NOT_TENANT_TABLES);
		assertThat(new TreeSet<>(withBudget)).isEqualTo(known);
	}

	@Test
	void everyTableOfTenantDataCarriesItsRootAndAForeignKeyThatChecksIt() {
		Map<String, String> nullable = new TreeMap<>();
		this.jdbc.sql("""
				SELECT table_name, is_nullable FROM information_schema.columns
				WHERE table_schema = current_schema() AND column_name = 'root_id'""").query(rs -> {
			nullable.put(rs.getString(1), rs.getString(2));
		});
		// The foreign keys to budgets, as "(their columns) -> (budgets' columns)", per
		// table.
		Map<String, Set<String>> keys = new TreeMap<>();
		this.jdbc
			.sql("""
					SELECT c.conrelid::regclass::text,
					       (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord)
					        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
					       (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(n, ord)
					        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)
					FROM pg_constraint c
					WHERE c.contype = 'f' AND c.confrelid = 'budgets'::regclass""")
			.query(rs -> {
				keys.computeIfAbsent(rs.getString(1), table -> new TreeSet<>())
					.add("(" + rs.getString(2) + ") -> (" + rs.getString(3) + ")");
			});

		for (String table : TENANT_TABLES) {
			assertThat(nullable.get(table)).as("%s.root_id", table).isEqualTo("NO");
			assertThat(keys.get(table)).as("%s's foreign keys to budgets", table)
				.contains("(root_id,budget_id) -> (root_id,id)");
		}
		assertThat(keys.get("denials")).as("who said no is in the same tree")
			.contains("(root_id,denied_by) -> (root_id,id)");
		assertThat(nullable.get("budgets")).isEqualTo("NO");
	}

	@Test
	void forecastsAndDeliveriesInsertedWithoutTheirRootAsThePreviousReleaseDidGetItFromTheirBudget() {
		UUID root = createBudget("100");
		UUID leaf = createBudget(Map.of("name", "leaf", "limit", "10", "parentId", root));

		// The previous release's INSERT, still run by its instances during a rolling
		// upgrade.
		this.jdbc.sql("""
				INSERT INTO exhaustion_forecasts (budget_id, period_start, projected_at, forecast_at)
				VALUES (:leaf, now(), now(), now())""").param("leaf", leaf).update();
		assertThat(this.jdbc.sql("SELECT root_id FROM exhaustion_forecasts WHERE budget_id = :leaf")
			.param("leaf", leaf)
			.query(UUID.class)
			.single()).isEqualTo(root);

		UUID webhook = UUID.randomUUID();
		this.jdbc.sql("""
				INSERT INTO webhooks (id, url, event_types, format, enabled, secret, created_at, updated_at)
				VALUES (:id, 'https://hooks.example.com/x', ARRAY['budget.frozen'], 'standard', false, 'whsec_test',
				        now(), now())""").param("id", webhook).update();
		assertThat(this.api.post("/v1/budgets/" + leaf + "/freeze", Map.of("reason", "upgrade")).status())
			.isEqualTo(200);
		int made = this.jdbc.sql("""
				INSERT INTO webhook_deliveries (id, webhook_id, event_position, event_id, event_type, budget_id, status,
				    next_attempt_at, created_at)
				SELECT gen_random_uuid(), :webhook, id, event_id, type, budget_id, 'PENDING', now(), now()
				FROM events WHERE budget_id = :leaf""").param("webhook", webhook).param("leaf", leaf).update();
		assertThat(made).isEqualTo(1);
		assertThat(this.jdbc.sql("SELECT root_id FROM webhook_deliveries WHERE webhook_id = :webhook")
			.param("webhook", webhook)
			.query(UUID.class)
			.single()).isEqualTo(root);
	}

}
