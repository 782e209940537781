package dev.budgetledger.pricing;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog shipped in the jar is well-formed: every price is exact, non-negative and
 * fits the schema.
 */
class PriceCatalogTests {

	@Test
	void theShippedCatalogIsValid() throws IOException {
		PriceCatalog.Catalog catalog = new PriceCatalog(null, JsonMapper.builder().build(), Clock.systemUTC()).read();

		assertThat(catalog.asOf()).isNotNull();
		assertThat(catalog.currency()).isEqualTo("USD");
		assertThat(catalog.models()).hasSizeGreaterThanOrEqualTo(15);
		Set<String> providers = new HashSet<>();
		Set<String> models = new HashSet<>();
		for (PriceCatalog.Entry entry : catalog.models()) {
			assertThat(models.add(entry.model())).as("duplicate " + entry.model()).isTrue();
			assertThat(entry.model()).matches("^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$");
			assertThat(entry.inputPerMillion()).isGreaterThan(BigDecimal.ZERO);
			boolean embedding = entry.model().startsWith("text-embedding-");
			if (embedding) {
				// An embedding has no output: priced by input alone, and nothing to hold
				// for output.
				assertThat(entry.outputPerMillion()).isZero();
				assertThat(entry.defaultMaxOutputTokens()).isNull();
				providers.add(entry.provider());
				continue;
			}
			assertThat(entry.outputPerMillion()).isGreaterThanOrEqualTo(entry.inputPerMillion());
			assertThat(entry.inputPerMillion().scale()).isLessThanOrEqualTo(12);
			if (entry.cacheReadPerMillion() != null) {
				assertThat(entry.cacheReadPerMillion()).isLessThan(entry.inputPerMillion());
			}
			if (entry.cacheWritePerMillion() != null) {
				assertThat(entry.cacheWritePerMillion()).isGreaterThan(entry.inputPerMillion());
			}
			// Never unbounded: every shipped model names what a call without a limit
			// holds.
			assertThat(entry.defaultMaxOutputTokens()).as(entry.model()).isNotNull().isBetween(1024L, 200_000L);
			providers.add(entry.provider());
		}
		assertThat(providers).containsExactlyInAnyOrder("openai", "anthropic", "google");
	}

}
