package dev.budgetledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One writer of ledger state: every statement in the service that inserts, updates or
 * deletes rows of the ledger's tables (balances, holds, periods, charges, threshold
 * crossings, run and minute counters and the journal), or calls the batch writer
 * {@code ledger_write}, lives in the package {@code dev.budgetledger.ledger} itself,
 * where {@code Ledger} takes the locks in the one order ({@code Locks}) and journals in
 * the same transaction. Its web controllers and every other feature only read. The one
 * exception is {@code MigrationFixes}, the Flyway callback that repairs old
 * installations' data while migrating, before the service serves.
 * <p>
 * A source scan, because the writes are SQL text: a new writer anywhere else fails this
 * test with its file and statement named.
 */
class OneWriterTests {

	private static final Path SOURCES = Path.of("src/main/java/dev/budgetledger");

	private static final Pattern WRITE = Pattern.compile("(?i)\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+"
			+ "(budgets|reservations|journal_entries|budget_periods|charges|threshold_crossings|run_usage|minute_windows)\\b|\\bledger_write\\s*\\(");

	private static final Path WRITER = SOURCES.resolve("ledger");

	private static final Path MIGRATION_FIXES = SOURCES.resolve("database/MigrationFixes.java");

	@Test
	void onlyTheLedgerPackageWritesLedgerTables() throws IOException {
		List<String> writers = new ArrayList<>();
		List<String> elsewhere = new ArrayList<>();
		for (Path file : sources(".java")) {
			Matcher write = WRITE.matcher(Files.readString(file));
			while (write.find()) {
				String found = SOURCES.relativize(file) + ": " + write.group();
				if (file.getParent().equals(WRITER)) {
					writers.add(found);
				}
				else if (!file.equals(MIGRATION_FIXES)) {
					elsewhere.add(found);
				}
			}
		}
		assertThat(elsewhere).as("writes of ledger tables outside dev.budgetledger.ledger").isEmpty();
		// The scan must see the writer's own statements, or it would pass by finding
		// nothing.
		assertThat(writers).anyMatch(w -> w.contains("INSERT INTO journal_entries"))
			.anyMatch(w -> w.contains("UPDATE budgets"))
			.anyMatch(w -> w.contains("ledger_write"));
	}

	private static final Pattern TRANSACTION = Pattern
		.compile("\\b(TransactionTemplate|TransactionOperations|PlatformTransactionManager|Transactional)\\b");

	/**
	 * Controllers hold no transactions: a request's transaction is opened by the feature
	 * it calls (the ledger, pricing, keys), so what commits together is decided in one
	 * place, next to the locks.
	 */
	@Test
	void noControllerOpensATransaction() throws IOException {
		List<String> controllers = new ArrayList<>();
		List<String> opening = new ArrayList<>();
		for (Path file : sources("Controller.java")) {
			controllers.add(file.getFileName().toString());
			Matcher transaction = TRANSACTION.matcher(Files.readString(file));
			if (transaction.find()) {
				opening.add(SOURCES.relativize(file) + ": " + transaction.group());
			}
		}
		assertThat(controllers).contains("ReservationController.java", "PriceController.java");
		assertThat(opening).as("controllers that open or join transactions themselves").isEmpty();
	}

	private static final Pattern CONTROLLER_FIELD = Pattern.compile("private final (\\w+Controller) \\w+;");

	/**
	 * A request goes from its controller to the feature that serves it, never through
	 * another controller: shared request rules live in {@code Requests}.
	 */
	@Test
	void noControllerDependsOnAnother() throws IOException {
		List<String> dependencies = new ArrayList<>();
		int controllers = 0;
		for (Path file : sources("Controller.java")) {
			controllers++;
			Matcher field = CONTROLLER_FIELD.matcher(Files.readString(file));
			while (field.find()) {
				dependencies.add(file.getFileName() + " -> " + field.group(1));
			}
		}
		assertThat(controllers).isGreaterThan(10);
		assertThat(dependencies).as("controllers that inject a controller").isEmpty();
	}

	/** The service's source files whose names end with {@code suffix}. */
	private static List<Path> sources(String suffix) throws IOException {
		try (Stream<Path> files = Files.walk(SOURCES)) {
			return files.filter(f -> f.toString().endsWith(suffix)).toList();
		}
	}

}
