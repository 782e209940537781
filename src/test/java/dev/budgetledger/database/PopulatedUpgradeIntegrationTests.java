package dev.budgetledger.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.Driver;

import dev.budgetledger.journal.Reconciliation;
import dev.budgetledger.support.LocalDatabase;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every release's migrations run on a database that holds data, not only on the empty
 * ones every other test starts from. For each schema version but the latest, a database
 * is built the way an installation that has run since V1 got there: migrated one version
 * at a time (Flyway's target), and at each version that has a fixture in
 * {@code src/test/resources/upgrade/V<n>.sql} filled the way that version's service wrote
 * (budgets in a tree, holds in every state, settlements, periods, events, webhook
 * deliveries, idempotency keys...). Then it is migrated to the latest version, as an
 * upgrade would, and the reconciliation must find nothing.
 * <p>
 * Versions are read from {@code db/migration}, so a new migration is run on every earlier
 * version's data with no change here; a fixture for it adds the data its own release
 * writes.
 */
class PopulatedUpgradeIntegrationTests {

	private static final Pattern MIGRATION = Pattern.compile("V(\\d+(?:[._]\\d+)*)__.*\\.sql");

	private static final Pattern FIXTURE = Pattern.compile("V(\\d+(?:[._]\\d+)*)\\.sql");

	static List<MigrationVersion> earlierVersions() {
		List<MigrationVersion> versions = new ArrayList<>(migrations().keySet());
		return versions.subList(0, versions.size() - 1);
	}

	@ParameterizedTest(name = "filled up to V{0}, then upgraded")
	@MethodSource("earlierVersions")
	void aLedgerWrittenByEveryReleaseUpToThisOneUpgradesToTheLatestSchemaIntact(MigrationVersion start) {
		LocalDatabase database = LocalDatabase.create("upgrade_v" + start.getVersion().replace('.', '_'));
		try {
			DataSource dataSource = dataSource(database);
			JdbcClient jdbc = JdbcClient.create(dataSource);
			Map<MigrationVersion, Resource> fixtures = fixtures();
			int filled = 0;
			for (MigrationVersion version : migrations().keySet()) {
				if (version.isNewerThan(start)) {
					break;
				}
				flyway(dataSource, version).migrate();
				Resource fixture = fixtures.get(version);
				if (fixture != null) {
					new ResourceDatabasePopulator(fixture).execute(dataSource);
					filled++;
				}
			}
			assertThat(filled).as("fixtures written up to V" + start).isPositive();
			long entries = count(jdbc, "journal_entries");
			long reservations = count(jdbc, "reservations");

			flyway(dataSource, latest()).migrate();

			assertThat(flyway(dataSource, latest()).info().current().getVersion()).isEqualTo(latest());
			assertThat(count(jdbc, "journal_entries")).isEqualTo(entries);
			assertThat(count(jdbc, "reservations")).isEqualTo(reservations);
			Reconciliation.Report report = new Reconciliation(jdbc).run();
			assertThat(report.discrepancies()).isEmpty();
			assertThat(report.checked().journalEntries()).isEqualTo(entries);
			// The upgrade leaves the journal as append-only as it found it.
			assertThatThrownBy(() -> jdbc.sql("UPDATE journal_entries SET amount = amount").update())
				.hasMessageContaining("append-only");
			assertThatThrownBy(() -> jdbc.sql("DELETE FROM journal_entries").update())
				.hasMessageContaining("append-only");
		}
		finally {
			database.drop();
		}
	}

	/**
	 * An installation that ran V2 before its fix existed: its budgets with open holds got
	 * held_count 0, which the later releases kept (their settles of those holds fail the
	 * counters' CHECK). V18 counts them again.
	 */
	@Test
	void anInstallationThatRanV2WithoutItsFixIsRepaired() {
		LocalDatabase database = LocalDatabase.create("upgrade_v2_unfixed");
		try {
			DataSource dataSource = dataSource(database);
			JdbcClient jdbc = JdbcClient.create(dataSource);
			MigrationVersion v1 = MigrationVersion.fromVersion("1");
			flyway(dataSource, v1).migrate();
			new ResourceDatabasePopulator(fixtures().get(v1)).execute(dataSource);
			Flyway.configure()
				.dataSource(dataSource)
				.schemas("budget_ledger")
				.defaultSchema("budget_ledger")
				.locations("classpath:db/migration")
				.target(MigrationVersion.fromVersion("2"))
				.load()
				.migrate(); // as the release of V2 ran it: without MigrationFixes
			long held = jdbc.sql("SELECT count(*) FROM reservations WHERE status = 'HELD'").query(Long.class).single();
			assertThat(held).isPositive();
			assertThat(jdbc.sql("SELECT sum(held_count) FROM budgets").query(Long.class).single()).isZero();
			flyway(dataSource, MigrationVersion.fromVersion("17")).migrate();
			assertThat(new Reconciliation(jdbc).run().discrepancies()).extracting(Reconciliation.Discrepancy::invariant)
				.contains(Reconciliation.Invariant.HOLDS);

			flyway(dataSource, latest()).migrate();

			assertThat(new Reconciliation(jdbc).run().discrepancies()).isEmpty();
			assertThat(
					jdbc.sql("SELECT sum(held_count) FROM budgets WHERE parent_id IS NULL").query(Long.class).single())
				.isEqualTo(held);
		}
		finally {
			database.drop();
		}
	}

	@Test
	void everyFixtureBelongsToAMigration() {
		assertThat(migrations().keySet()).containsAll(fixtures().keySet());
	}

	private static Flyway flyway(DataSource dataSource, MigrationVersion target) {
		// As the service configures it (application.properties), with the fixes it runs
		// with (MigrationFixes).
		return Flyway.configure()
			.dataSource(dataSource)
			.schemas("budget_ledger")
			.defaultSchema("budget_ledger")
			.createSchemas(true)
			.locations("classpath:db/migration")
			.callbacks(new MigrationFixes())
			.target(target)
			.load();
	}

	private static DataSource dataSource(LocalDatabase database) {
		String url = database.url() + (database.url().contains("?") ? "&" : "?") + "currentSchema=budget_ledger";
		return new SimpleDriverDataSource(new Driver(), url, database.username(), database.password());
	}

	private static long count(JdbcClient jdbc, String table) {
		return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
	}

	private static MigrationVersion latest() {
		List<MigrationVersion> versions = new ArrayList<>(migrations().keySet());
		return versions.get(versions.size() - 1);
	}

	private static Map<MigrationVersion, Resource> migrations() {
		return versions("classpath*:db/migration/V*__*.sql", MIGRATION);
	}

	private static Map<MigrationVersion, Resource> fixtures() {
		return versions("classpath*:upgrade/V*.sql", FIXTURE);
	}

	private static Map<MigrationVersion, Resource> versions(String pattern, Pattern name) {
		Map<MigrationVersion, Resource> found = new TreeMap<>();
		try {
			for (Resource resource : new PathMatchingResourcePatternResolver().getResources(pattern)) {
				Matcher matcher = name.matcher(String.valueOf(resource.getFilename()));
				if (matcher.matches()) {
					found.put(MigrationVersion.fromVersion(matcher.group(1).replace('_', '.')), resource);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return found;
	}

}
