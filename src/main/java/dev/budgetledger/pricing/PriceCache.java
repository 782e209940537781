package dev.budgetledger.pricing;

import java.util.HashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The price catalog in memory, so that pricing a reserve costs no round trip (it cost a
 * query and a commit per model named, before the budget's lock).
 * <p>
 * Every instance reads the catalog's version (a digest of all its rows) every
 * {@code budget-ledger.pricing.refresh-interval} and reloads the whole catalog when it
 * changed; the instance that changes a price reloads as its transaction commits. So a
 * change reaches every instance within the interval, and the instance that made it at
 * once. A poll rather than LISTEN: a catalog of a few hundred rows changes rarely, and a
 * poll works the same behind a pooler in transaction mode. Each load is one statement, so
 * a snapshot's prices and its version always agree.
 */
@Component
class PriceCache {

	private static final Logger log = LoggerFactory.getLogger(PriceCache.class);

	/**
	 * A digest of every row's every column: any change at all changes it, whatever the
	 * clocks of the instances.
	 */
	private static final String VERSION = "SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY p.model), '')) AS version"
			+ " FROM prices p";

	/** The whole catalog and its version, in one statement so that they agree. */
	private static final String LOAD = "WITH v AS (" + VERSION + """
			) SELECT v.version, p.model, p.currency, p.input_per_million, p.output_per_million,
			    p.cache_read_per_million, p.cache_write_per_million, p.reasoning_per_million,
			    p.default_max_output_tokens
			FROM v LEFT JOIN prices p ON true""";

	/**
	 * A model's price as the catalog holds it, and what a call that sets no limit holds
	 * on it.
	 */
	record Entry(TokenPrice price, @Nullable Long defaultMaxOutputTokens) {
	}

	private record Snapshot(Map<String, Entry> prices, String version) {
	}

	private final JdbcClient jdbc;

	private volatile @Nullable Snapshot snapshot;

	PriceCache(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * The catalog's entry for exactly this model name, if there is one; loads the catalog
	 * on first use.
	 */
	@Nullable Entry find(String model) {
		Snapshot current = this.snapshot;
		return ((current != null) ? current : reload()).prices().get(model);
	}

	/**
	 * Loads the catalog before the first request (after {@link PriceCatalog} seeded it, a
	 * runner).
	 */
	@EventListener(ApplicationReadyEvent.class)
	void load() {
		try {
			reload();
		}
		catch (RuntimeException ex) {
			// Loaded on first use instead; the service starts without its database too.
			log.warn("Could not load the price catalog: {}", ex.getMessage());
		}
	}

	@Scheduled(fixedDelayString = "${budget-ledger.pricing.refresh-interval:1s}")
	void refresh() {
		Snapshot current = this.snapshot;
		if (current == null) {
			return;
		}
		try {
			String version = this.jdbc.sql(VERSION).query(String.class).single();
			if (!version.equals(current.version())) {
				reload();
			}
		}
		catch (RuntimeException ex) {
			// The next run tries again; until then reserves are priced as before.
			log.warn("Could not check the price catalog for changes: {}", ex.getMessage());
		}
	}

	/**
	 * Reloads once the surrounding transaction commits (at once without one): for the
	 * instance that changes a price.
	 */
	void reloadAfterCommit() {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			reload();
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				reload();
			}
		});
	}

	private synchronized Snapshot reload() {
		Map<String, Entry> prices = new HashMap<>();
		String[] version = { "" };
		this.jdbc.sql(LOAD).query(rs -> {
			version[0] = rs.getString("version");
			if (rs.getString("model") == null) {
				return; // an empty catalog: the one row carries only the version
			}
			TokenPrice price = new TokenPrice(rs.getString("model"), rs.getString("currency"),
					rs.getBigDecimal("input_per_million"), rs.getBigDecimal("output_per_million"),
					rs.getBigDecimal("cache_read_per_million"), rs.getBigDecimal("cache_write_per_million"),
					rs.getBigDecimal("reasoning_per_million"));
			long tokens = rs.getLong("default_max_output_tokens");
			prices.put(price.model(), new Entry(price, rs.wasNull() ? null : tokens));
		});
		Snapshot loaded = new Snapshot(Map.copyOf(prices), version[0]);
		Snapshot before = this.snapshot;
		this.snapshot = loaded;
		if (before != null && !before.version().equals(loaded.version())) {
			log.info("Reloaded the price catalog: {} prices", loaded.prices().size());
		}
		return loaded;
	}

}
