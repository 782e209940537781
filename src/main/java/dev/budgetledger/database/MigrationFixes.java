package dev.budgetledger.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

/**
 * What some released migrations need to upgrade a database that holds data, run just
 * before or just after them in their own transaction. The migrations stay byte for byte
 * as released: a changed script changes its checksum, and every installation that already
 * ran it would then fail Flyway's validation at its next start. Found by
 * {@code PopulatedUpgradeIntegrationTests}, which upgrades a filled database from every
 * earlier version.
 * <ul>
 * <li>V2 adds {@code held_count} as 0 on every budget, also on those with holds still
 * open; their later settles and expiries would take it below zero (a CHECK violation).
 * After V2 it is counted from the held reservations (at V2 every budget is its own root,
 * so its own holds are all there are).</li>
 * <li>V8 starts recording on each reservation the Idempotency-Key that created it, which
 * the reconciliation checks against the stored answers. After V8 the reservations named
 * by a stored 201 answer get its key.</li>
 * <li>V9 fills the new {@code root_id} of every journal entry with an UPDATE, which the
 * journal's append-only trigger (V1) refuses. The trigger is switched off just before V9
 * and on again just after it, inside V9's transaction: nobody else ever sees it off (the
 * change is invisible until the commit, and V9 holds the table's exclusive lock from its
 * first statement on), and if V9 fails the rollback restores it.</li>
 * </ul>
 * Spring Boot hands this to its Flyway as a bean; anything else that runs the migrations
 * on a populated database must register it too
 * ({@code Flyway.configure().callbacks(new MigrationFixes())}, docs/operations.md).
 */
@Component
public class MigrationFixes implements Callback {

	private static final Map<MigrationVersion, String> BEFORE = Map.of(MigrationVersion.fromVersion("9"),
			"ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_no_update_or_delete");

	private static final Map<MigrationVersion, String> AFTER = Map.of(MigrationVersion.fromVersion("2"), """
			UPDATE budgets b SET held_count = h.n
			FROM (SELECT budget_id, count(*) AS n FROM reservations WHERE status = 'HELD' GROUP BY budget_id) h
			WHERE h.budget_id = b.id""", MigrationVersion.fromVersion("8"), """
			UPDATE reservations r SET api_key_id = k.api_key_id, idempotency_key = k.idempotency_key
			FROM idempotency_keys k
			WHERE k.response_status = 201 AND k.location = '/v1/reservations/' || r.id AND r.idempotency_key IS NULL""",
			MigrationVersion.fromVersion("9"),
			"ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_no_update_or_delete");

	@Override
	public boolean supports(Event event, @Nullable Context context) {
		// Flyway also asks without a context, before any migration is known.
		if (context == null) {
			return event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE;
		}
		return fix(event, context.getMigrationInfo()) != null;
	}

	@Override
	public boolean canHandleInTransaction(Event event, @Nullable Context context) {
		return true;
	}

	@Override
	public void handle(Event event, Context context) {
		String sql = fix(event, context.getMigrationInfo());
		if (sql == null) {
			return;
		}
		Connection connection = context.getConnection();
		try {
			// Outside the migration's transaction a fix would be seen half done, and a
			// failed migration would leave
			// the journal's trigger off.
			if (connection.getAutoCommit()) {
				throw new FlywayException("V" + context.getMigrationInfo().getVersion()
						+ " must run in a transaction: its fixes for populated databases run within it");
			}
			try (Statement statement = connection.createStatement()) {
				statement.execute(sql);
			}
		}
		catch (SQLException ex) {
			throw new FlywayException(
					"Cannot apply the fix for V" + context.getMigrationInfo().getVersion() + ": " + ex.getMessage(),
					ex);
		}
	}

	@Override
	public String getCallbackName() {
		return "budget-ledger migration fixes";
	}

	private static @Nullable String fix(Event event, @Nullable MigrationInfo migration) {
		if (migration == null || migration.getVersion() == null) {
			return null;
		}
		return switch (event) {
			case BEFORE_EACH_MIGRATE -> BEFORE.get(migration.getVersion());
			case AFTER_EACH_MIGRATE -> AFTER.get(migration.getVersion());
			default -> null;
		};
	}

}
