package dev.budgetledger.tracing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CorrelationFilterTests {

	@Test
	void aValidTraceparentYieldsItsTraceId() {
		assertThat(CorrelationFilter.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
			.isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
	}

	@Test
	void invalidTraceparentsAreIgnored() {
		assertThat(CorrelationFilter.traceId(null)).isNull();
		assertThat(CorrelationFilter.traceId("garbage")).isNull();
		assertThat(CorrelationFilter.traceId("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).isNull();
		assertThat(CorrelationFilter.traceId("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isNull();
		assertThat(CorrelationFilter.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).isNull();
		assertThat(CorrelationFilter.traceId("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isNull();
	}

	@Test
	void aLaterTraceContextVersionMayAddFields() {
		assertThat(CorrelationFilter.traceId("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"))
			.isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
	}

	@Test
	void onlyShortLogSafeRequestIdsAreKept() {
		assertThat(CorrelationFilter.requestId("gw-1.2:3_x")).isEqualTo("gw-1.2:3_x");
		assertThat(CorrelationFilter.requestId("a b")).isNotEqualTo("a b");
		assertThat(CorrelationFilter.requestId("x".repeat(129))).hasSize(36);
		assertThat(CorrelationFilter.requestId(null)).hasSize(36);
	}

}
