package dev.budgetledger.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * A database created for this test run on the {@link DatabaseServer} and dropped when the
 * JVM exits (or by {@link #drop()}), so runs never see each other's data. Its name
 * carries the time it was made; databases that a killed run left behind are dropped by
 * the next run once they are an hour old.
 */
public final class LocalDatabase {

	static final String PREFIX = "budget_ledger_test_";

	private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

	private static final Pattern NAME = Pattern.compile(PREFIX + "(\\d{14})_.*");

	/** Older than any test run; younger ones may belong to a run that is still going. */
	static final Duration ABANDONED_AFTER = Duration.ofHours(1);

	private static @Nullable LocalDatabase shared;

	private static boolean leftoversDropped;

	private final DatabaseServer server;

	private final String name;

	private LocalDatabase(DatabaseServer server, String name) {
		this.server = server;
		this.name = name;
	}

	/** The database of this JVM's application contexts. */
	static synchronized LocalDatabase shared() {
		if (shared == null) {
			shared = create("app");
		}
		return shared;
	}

	/** A new, empty database on the test server; {@code label} ends its name. */
	public static synchronized LocalDatabase create(String label) {
		DatabaseServer server = DatabaseServer.shared();
		if (!leftoversDropped) {
			leftoversDropped = true;
			dropLeftovers(server, LocalDateTime.now());
		}
		String name = PREFIX + LocalDateTime.now().format(STAMP) + "_"
				+ Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20)) + "_" + label;
		execute(server, "CREATE DATABASE " + name);
		LocalDatabase database = new LocalDatabase(server, name);
		Runtime.getRuntime().addShutdownHook(new Thread(database::dropQuietly));
		return database;
	}

	public String url() {
		return this.server.urlOf(this.name);
	}

	public String username() {
		return this.server.username();
	}

	public String password() {
		return this.server.password();
	}

	public String name() {
		return this.name;
	}

	public void drop() {
		execute(this.server, "DROP DATABASE IF EXISTS " + this.name + " WITH (FORCE)");
	}

	/**
	 * At exit: an embedded server may already be stopping, and then its databases go with
	 * it.
	 */
	private void dropQuietly() {
		try {
			drop();
		}
		catch (IllegalStateException ex) {
			System.err.println("Could not drop " + this.name + " at exit; the next run drops it after "
					+ ABANDONED_AFTER.toHours() + "h: " + ex.getMessage());
		}
	}

	/**
	 * Whether a database of this name is a test database made before
	 * {@code now - ABANDONED_AFTER}.
	 */
	static boolean abandoned(String name, LocalDateTime now) {
		Matcher matcher = NAME.matcher(name);
		if (!matcher.matches()) {
			return false;
		}
		try {
			return LocalDateTime.parse(matcher.group(1), STAMP).isBefore(now.minus(ABANDONED_AFTER));
		}
		catch (DateTimeParseException ex) {
			return false;
		}
	}

	private static void dropLeftovers(DatabaseServer server, LocalDateTime now) {
		List<String> leftovers = new ArrayList<>();
		try (Connection connection = server.connect();
				Statement statement = connection.createStatement();
				ResultSet names = statement
					.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'budget\\_ledger\\_test\\_%'")) {
			while (names.next()) {
				if (abandoned(names.getString(1), now)) {
					leftovers.add(names.getString(1));
				}
			}
		}
		catch (SQLException ex) {
			throw failure(server, "listing test databases", ex);
		}
		for (String leftover : leftovers) {
			execute(server, "DROP DATABASE IF EXISTS " + leftover + " WITH (FORCE)");
			System.out.println("Dropped " + leftover + ", left behind by an earlier test run");
		}
	}

	private static void execute(DatabaseServer server, String sql) {
		try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw failure(server, sql, ex);
		}
	}

	private static IllegalStateException failure(DatabaseServer server, String what, SQLException ex) {
		return new IllegalStateException("Cannot run '" + what + "' on " + server.url() + " (" + server.source()
				+ "; set " + DatabaseServer.CHOICE_VARIABLE + " or " + DatabaseServer.URL_VARIABLE
				+ " to choose another server)", ex);
	}

}
