package dev.budgetledger.config;

import java.time.Clock;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class CoreConfiguration {

	/**
	 * Every business time comes from this clock, so tests can move time instead of
	 * sleeping.
	 */
	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.systemUTC();
	}

	/**
	 * A body with the same key twice is ambiguous; reject it instead of letting the last
	 * one win. A JSON number with a fraction is read as the exact decimal it spells,
	 * never through {@code double}, wherever it lands: a {@code BigDecimal} field, a tree
	 * ({@code JsonNode}, as a merge patch is read) or an {@code Object} (metadata). So
	 * {@code 123456789.123456789} stays exactly that on every path, and a number with
	 * more decimals than a field allows is refused by its validation instead of being
	 * rounded first.
	 */
	@Bean
	JsonMapperBuilderCustomizer strictJson() {
		return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
			.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
	}

}
