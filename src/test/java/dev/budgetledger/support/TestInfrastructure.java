package dev.budgetledger.support;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

/**
 * Everything an integration test adds to the application: its database and a clock it can
 * move.
 */
@TestConfiguration(proxyBeanMethods = false)
@Import(TestDatabase.class)
public class TestInfrastructure {

	@Bean
	@Primary
	MutableClock mutableClock() {
		return new MutableClock();
	}

}
