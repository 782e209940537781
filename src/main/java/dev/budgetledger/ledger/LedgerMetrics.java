package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * Meters of the ledger beyond the decision counter: reserve latency, settled amounts and
 * overruns. Labels are bounded (a currency code at most); budget ids never become labels.
 */
@Component
class LedgerMetrics {

	private final MeterRegistry meters;

	private final Timer reserveTimer;

	private final Counter overruns;

	/**
	 * One summary per currency (a bounded label: ISO 4217 codes), looked up without the
	 * registry's id building.
	 */
	private final Map<String, DistributionSummary> settledAmounts = new ConcurrentHashMap<>();

	LedgerMetrics(MeterRegistry meters) {
		this.meters = meters;
		this.reserveTimer = Timer.builder("budget_ledger.reserve")
			.description("Time to decide and hold a reservation, lock to commit")
			.publishPercentileHistogram()
			.register(meters);
		this.overruns = Counter.builder("budget_ledger.overruns")
			.description("Settlements that charged more than their hold")
			.register(meters);
	}

	Timer reserveTimer() {
		return this.reserveTimer;
	}

	/**
	 * Records a settled amount for the histogram. Micrometer only takes doubles: the
	 * conversion is for this meter alone and never flows back into money logic, which
	 * stays exact in BigDecimal.
	 */
	void settled(String currency, BigDecimal charged, boolean overrun) {
		this.settledAmounts
			.computeIfAbsent(currency,
					code -> DistributionSummary.builder("budget_ledger.settled.amount")
						.description("Amounts charged by settlements, in the reservation's currency")
						.tag("currency", code)
						.register(this.meters))
			.record(charged.doubleValue());
		if (overrun) {
			this.overruns.increment();
		}
	}

}
