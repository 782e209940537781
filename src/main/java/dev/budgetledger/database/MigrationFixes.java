package dev.budgetledger.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

import org.springframework.stereotype.Component;

/**
 * What some released migrations need to upgrade a database that holds data, run around them in their own
 * transaction. The migrations themselves stay byte for byte as released: a changed script changes its checksum,
 * and every installation that already ran it would then fail Flyway's validation at its next start.
 * <p>
 * V9 fills the new {@code root_id} of every journal entry with an UPDATE, which the journal's append-only trigger
 * (V1) refuses. So the trigger is switched off just before V9 and on again just after it, inside V9's transaction:
 * nobody else ever sees it off (the change is not visible before the commit, and V9 holds the table's exclusive
 * lock from its first statement on), and if V9 fails the rollback restores it with everything else.
 * <p>
 * Spring Boot hands this to its Flyway as a bean; anything else that runs the migrations on a populated database
 * must register it too ({@code Flyway.configure().callbacks(new MigrationFixes())}, docs/operations.md).
 */
@Component
public class MigrationFixes implements Callback {

	private static final MigrationVersion JOURNAL_ROOT_ID = MigrationVersion.fromVersion("9");

	@Override
	public boolean supports(Event event, Context context) {
		return (event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE)
				&& context.getMigrationInfo() != null
				&& JOURNAL_ROOT_ID.equals(context.getMigrationInfo().getVersion());
	}

	@Override
	public boolean canHandleInTransaction(Event event, Context context) {
		return true;
	}

	@Override
	public void handle(Event event, Context context) {
		Connection connection = context.getConnection();
		try {
			// Outside V9's transaction the switch would be seen by everyone, and a failed V9 would leave it off.
			if (connection.getAutoCommit()) {
				throw new FlywayException("V9 must run in a transaction: the journal's append-only trigger is"
						+ " switched off for its backfill only within it");
			}
			try (Statement statement = connection.createStatement()) {
				statement.execute("ALTER TABLE journal_entries "
						+ ((event == Event.BEFORE_EACH_MIGRATE) ? "DISABLE" : "ENABLE")
						+ " TRIGGER journal_entries_no_update_or_delete");
			}
		}
		catch (SQLException ex) {
			throw new FlywayException("Cannot prepare V9's backfill of the journal: " + ex.getMessage(), ex);
		}
	}

	@Override
	public String getCallbackName() {
		return "budget-ledger migration fixes";
	}

}
