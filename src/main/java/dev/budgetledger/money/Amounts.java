package dev.budgetledger.money;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

import org.jspecify.annotations.Nullable;

/**
 * Rules for money on the wire. Amounts are exact decimals: stored as NUMERIC(38,18),
 * accepted with at most 18 fractional digits (never rounded), written as plain decimal
 * strings.
 */
public final class Amounts {

	/**
	 * Largest amount accepted anywhere in the API: one trillion. Keep in step with the
	 * constraints below.
	 */
	public static final String MAX = "1000000000000";

	/** Integer digits of {@link #MAX}, for {@code @Digits}. */
	public static final int MAX_INTEGER_DIGITS = 13;

	/** Fractional digits a stored amount keeps. */
	public static final int SCALE = 18;

	/**
	 * Prices per million tokens keep 12 fractional digits, so a cost (price x tokens /
	 * 10^6) fits in 18.
	 */
	public static final int PRICE_SCALE = 12;

	public static final String CURRENCY_PATTERN = "^[A-Z]{3}$";

	private Amounts() {
	}

	/**
	 * The canonical text of an amount: no exponent, no trailing zeros beyond the cents
	 * ({@code "5.00"}, {@code "0.000015"}).
	 */
	public static String format(BigDecimal amount) {
		BigDecimal stripped = amount.stripTrailingZeros();
		if (stripped.scale() < 2) {
			stripped = stripped.setScale(2);
		}
		return stripped.toPlainString();
	}

	/**
	 * A figure of a budget as the API writes it everywhere (bodies, reports, events):
	 * token counts as whole numbers (a token budget only ever holds whole ones), money
	 * with at least two decimals.
	 */
	public static String format(BigDecimal amount, boolean tokens) {
		return tokens ? amount.setScale(0, RoundingMode.UNNECESSARY).toPlainString() : format(amount);
	}

	public static @Nullable String formatOrNull(@Nullable BigDecimal amount) {
		return (amount != null) ? format(amount) : null;
	}

	/** Whether {@code code} is an ISO 4217 currency code that Java knows. */
	public static boolean isKnownCurrency(String code) {
		try {
			Currency.getInstance(code);
			return code.matches(CURRENCY_PATTERN);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

}
