package dev.budgetledger.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Seeds the price table from the catalog shipped in the jar
 * ({@code pricing/catalog.json}) when the table is empty. {@code ON CONFLICT DO NOTHING}
 * keeps two instances starting at once from failing on each other.
 */
@Component
class PriceCatalog implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(PriceCatalog.class);

	static final String LOCATION = "pricing/catalog.json";

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final Clock clock;

	PriceCatalog(JdbcClient jdbc, JsonMapper json, Clock clock) {
		this.jdbc = jdbc;
		this.json = json;
		this.clock = clock;
	}

	@Override
	@Transactional
	public void run(ApplicationArguments args) throws IOException {
		long existing = this.jdbc.sql("SELECT count(*) FROM prices").query(Long.class).single();
		if (existing > 0) {
			return;
		}
		Catalog catalog = read();
		Timestamp now = Timestamp.from(this.clock.instant());
		for (Entry entry : catalog.models()) {
			this.jdbc
				.sql("""
						INSERT INTO prices (model, provider, input_per_million, output_per_million, cache_read_per_million,
						    cache_write_per_million, reasoning_per_million, default_max_output_tokens, currency, source, as_of,
						    updated_at)
						VALUES (:model, :provider, :input, :output, :cacheRead, :cacheWrite, :reasoning, :defaultMaxOutput,
						    :currency, 'CATALOG', :asOf, :now)
						ON CONFLICT (model) DO NOTHING""")
				.param("model", entry.model())
				.param("provider", entry.provider())
				.param("input", entry.inputPerMillion())
				.param("output", entry.outputPerMillion())
				.param("cacheRead", entry.cacheReadPerMillion())
				.param("cacheWrite", entry.cacheWritePerMillion())
				.param("reasoning", entry.reasoningPerMillion())
				.param("defaultMaxOutput", entry.defaultMaxOutputTokens())
				.param("currency", catalog.currency())
				.param("asOf", Date.valueOf(catalog.asOf()))
				.param("now", now)
				.update();
		}
		log.info("Loaded {} model prices (as of {}) from {}", catalog.models().size(), catalog.asOf(), LOCATION);
	}

	Catalog read() throws IOException {
		try (InputStream in = new ClassPathResource(LOCATION).getInputStream()) {
			return this.json.readValue(in, Catalog.class);
		}
	}

	record Catalog(LocalDate asOf, String currency, String source, List<Entry> models) {
	}

	record Entry(String model, String provider, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
			@Nullable BigDecimal cacheReadPerMillion, @Nullable BigDecimal cacheWritePerMillion,
			@Nullable BigDecimal reasoningPerMillion, @Nullable Long defaultMaxOutputTokens) {
	}

}
