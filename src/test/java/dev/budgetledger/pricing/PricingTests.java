package dev.budgetledger.pricing;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How {@link Pricing#quote} resolves names and what it holds by default, over an
 * in-memory catalog.
 */
class PricingTests {

	private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

	private final Map<String, Price> catalog = Map.of("gpt-4o", price("gpt-4o", "2.50", "10.00", 16384L),
			"house-default", price("house-default", "5", "20", null), "gpt-4o-2024-05-13",
			price("gpt-4o-2024-05-13", "5.00", "15.00", 4096L));

	@Test
	void aDatedNameIsPricedAsItsFamilyUnderItsOwnName() {
		Pricing.Quote quote = pricing(null).quote("gpt-4o-2024-08-06");

		assertThat(quote.catalogModel()).isEqualTo("gpt-4o");
		assertThat(quote.price().model()).isEqualTo("gpt-4o-2024-08-06");
		assertThat(quote.price().inputPerMillion()).isEqualByComparingTo("2.50");
		assertThat(quote.defaultMaxOutputTokens()).isEqualTo(16384);
	}

	@Test
	void aSnapshotPricedOnItsOwnWinsOverItsFamily() {
		Pricing.Quote quote = pricing(null).quote("gpt-4o-2024-05-13");

		assertThat(quote.catalogModel()).isEqualTo("gpt-4o-2024-05-13");
		assertThat(quote.price().inputPerMillion()).isEqualByComparingTo("5.00");
	}

	@Test
	void anUnknownModelIsDeniedByDefault() {
		assertThatThrownBy(() -> pricing(null).quote("llama-99")).isInstanceOf(UnknownModelException.class);
	}

	@Test
	void anOperatorsDefaultPricePricesAnUnknownModel() {
		Pricing.Quote quote = pricing("house-default").quote("llama-99");

		assertThat(quote.catalogModel()).isEqualTo("house-default");
		assertThat(quote.price().model()).isEqualTo("llama-99");
		assertThat(quote.price().outputPerMillion()).isEqualByComparingTo("20");
		// the default price names no default output, so the service-wide one holds
		assertThat(quote.defaultMaxOutputTokens()).isEqualTo(4096);
	}

	private Pricing pricing(String unknownModelPriceOf) {
		// The catalog in memory, as PriceCache holds it after a load (it never connects
		// here).
		PriceCache cache = new PriceCache(JdbcClient.create(new DriverManagerDataSource())) {
			@Override
			PriceCache.Entry find(String model) {
				Price price = PricingTests.this.catalog.get(model);
				return (price != null) ? new PriceCache.Entry(price.tokenPrice(), price.getDefaultMaxOutputTokens())
						: null;
			}
		};
		Prices prices = (Prices) Proxy.newProxyInstance(Prices.class.getClassLoader(), new Class<?>[] { Prices.class },
				(proxy, method, args) -> {
					throw new UnsupportedOperationException(method.getName());
				});
		return new Pricing(prices, cache, Clock.systemUTC(),
				new PricingSettings(4096, unknownModelPriceOf, Duration.ofSeconds(1)));
	}

	private static Price price(String model, String input, String output, Long defaultMaxOutputTokens) {
		Price price = new Price(model, NOW);
		price.update("test", new TokenPrice(model, "USD", new BigDecimal(input), new BigDecimal(output)),
				defaultMaxOutputTokens, NOW);
		return price;
	}

}
