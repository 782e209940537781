package dev.budgetledger.gateway;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * What the gateway did, per provider, model and outcome, and where its time went:
 * {@code budget_ledger.gateway.calls} (outcome: allowed, downgraded, capped, denied,
 * upstream_error, unavailable, rejected), {@code budget_ledger.gateway.upstream} (the
 * provider's time to the end of its answer) and {@code budget_ledger.gateway.overhead}
 * (the rest: reserve, settle, parsing, i.e. what the gateway adds). The model tag is the
 * model as the catalog resolved it, or {@code unknown}, so it cannot grow without bound.
 */
@Component
public class GatewayMetrics {

	private final MeterRegistry meters;

	GatewayMetrics(MeterRegistry meters) {
		this.meters = meters;
	}

	public void call(String provider, String model, String outcome) {
		Counter.builder("budget_ledger.gateway.calls")
			.description("Calls through the gateway, by provider, model and outcome")
			.tag("provider", provider)
			.tag("model", model)
			.tag("outcome", outcome)
			.register(this.meters)
			.increment();
	}

	public void upstream(String provider, Duration took) {
		Timer.builder("budget_ledger.gateway.upstream")
			.description("Time the provider took, from forwarding the request to the end of its answer")
			.tag("provider", provider)
			.publishPercentileHistogram()
			.register(this.meters)
			.record(took);
	}

	public void overhead(String provider, Duration took) {
		Timer.builder("budget_ledger.gateway.overhead")
			.description("Time the gateway added to a call: everything but the provider's own time")
			.tag("provider", provider)
			.publishPercentileHistogram()
			.register(this.meters)
			.record(took);
	}

}
