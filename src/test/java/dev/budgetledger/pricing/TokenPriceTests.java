package dev.budgetledger.pricing;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenPriceTests {

	@Test
	void costIsExactForEveryTokenCount() {
		TokenPrice price = new TokenPrice("m", "USD", new BigDecimal("0.15"), new BigDecimal("0.60"));

		assertThat(price.cost(1, 0)).isEqualByComparingTo("0.00000015");
		assertThat(price.cost(1000, 2000)).isEqualByComparingTo("0.00135");
		assertThat(price.cost(100_000_000, 100_000_000)).isEqualByComparingTo("75");
	}

	@Test
	void aPriceWithTwelveDecimalsCostsAtMostEighteen() {
		TokenPrice price = new TokenPrice("m", "USD", new BigDecimal("0.000000000001"), BigDecimal.ZERO);

		BigDecimal cost = price.cost(1, 0);

		assertThat(cost).isEqualByComparingTo("0.000000000000000001");
		assertThat(cost.stripTrailingZeros().scale()).isEqualTo(18);
	}

	@Test
	void sumsOfSmallCostsDoNotDrift() {
		TokenPrice price = new TokenPrice("m", "USD", new BigDecimal("0.1"), new BigDecimal("0.2"));
		BigDecimal total = BigDecimal.ZERO;
		for (int i = 0; i < 1_000_000; i++) {
			total = total.add(price.cost(1, 1));
		}
		assertThat(total).isEqualByComparingTo("0.3");
	}

}
