package dev.budgetledger.reliability;

import java.time.Clock;
import java.time.Duration;

import dev.budgetledger.BudgetLedgerApplication;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Another instance of the service, on the clock the tests give it: in this JVM sharing
 * the test's clock, or in a child JVM ({@link #main}) whose clock runs
 * {@code -Dfaults.clock-offset} ahead of real time, so all instances of a test agree on
 * what time it is although the test context's clock has been moved forward.
 */
public final class SecondInstance {

	private SecondInstance() {
	}

	/** Starts an instance in this JVM whose clock is {@code clock}. */
	static ConfigurableApplicationContext start(Clock clock, String... args) {
		return new SpringApplicationBuilder(BudgetLedgerApplication.class)
			.initializers(context -> ((ConfigurableApplicationContext) context).getBeanFactory()
				.registerSingleton("clock", clock))
			.run(args);
	}

	/** The entry point of a child JVM instance. */
	public static void main(String[] args) {
		Duration offset = Duration.parse(System.getProperty("faults.clock-offset", "PT0S"));
		start(Clock.offset(Clock.systemUTC(), offset), args);
	}

}
