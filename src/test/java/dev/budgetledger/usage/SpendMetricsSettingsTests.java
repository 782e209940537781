package dev.budgetledger.usage;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SpendMetricsSettingsTests {

	@Test
	void labelCardinalityAndRefreshAreBoundedAtStart() {
		assertThat(new SpendMetricsSettings(true, 20, 20, Duration.ofSeconds(60)).maxBudgets()).isEqualTo(20);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SpendMetricsSettings(true, 0, 20, Duration.ofMinutes(1)))
			.withMessageContaining("max-budgets");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SpendMetricsSettings(true, 20, 201, Duration.ofMinutes(1)))
			.withMessageContaining("max-models");
		assertThatIllegalArgumentException().isThrownBy(() -> new SpendMetricsSettings(true, 20, 20, Duration.ZERO))
			.withMessageContaining("refresh");
	}

}
