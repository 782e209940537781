package dev.budgetledger.money;

import java.math.BigDecimal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class AmountsTests {

	@ParameterizedTest
	@CsvSource({ "5, 5.00", "5.000000000000000000, 5.00", "0.1, 0.10", "0.000015, 0.000015", "1E+3, 1000.00",
			"-0.15, -0.15", "0E-18, 0.00", "0.000000000000000001, 0.000000000000000001",
			"123456789012.5, 123456789012.50" })
	void amountsAreWrittenAsPlainDecimalsWithAtLeastCents(String stored, String written) {
		assertThat(Amounts.format(new BigDecimal(stored))).isEqualTo(written);
	}

	@ParameterizedTest
	@CsvSource({ "USD, true", "EUR, true", "JPY, true", "XYZ, false", "usd, false", "US, false" })
	void onlyIsoCurrencyCodesAreKnown(String code, boolean known) {
		assertThat(Amounts.isKnownCurrency(code)).isEqualTo(known);
	}

}
