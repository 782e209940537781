package dev.budgetledger.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;

import org.jspecify.annotations.Nullable;

/**
 * How far above its hold a settle may charge on one budget, like a card capture against
 * its authorization: at most {@code maxRatio} times the hold more and, if {@code max} is
 * set, at most {@code max} more (in the budget's unit). Beyond that ceiling
 * {@code action} says what happens. An ADMIN key may settle beyond it on purpose
 * ({@code allowOverrun}); nobody else can.
 *
 * @param maxRatio the overrun allowed as a fraction of the hold; 1 lets a settle charge
 * up to twice its hold
 * @param max the overrun allowed at most, whatever the hold; {@code null} for no absolute
 * ceiling
 */
public record OverrunPolicy(BigDecimal maxRatio, @Nullable BigDecimal max, OverrunAction action) {

	/**
	 * What a budget gets unless it says otherwise: a settle may charge up to twice its
	 * hold, and no more.
	 */
	public static final OverrunPolicy DEFAULT = new OverrunPolicy(BigDecimal.ONE, null, OverrunAction.REJECT);

	/**
	 * The most a settle may charge on a budget where the reservation holds {@code hold}
	 * (in the budget's unit).
	 */
	public BigDecimal ceiling(BigDecimal hold, boolean tokens) {
		BigDecimal allowance = hold.multiply(this.maxRatio);
		if (this.max != null) {
			allowance = allowance.min(this.max);
		}
		BigDecimal ceiling = hold.add(allowance);
		return tokens ? ceiling.setScale(0, RoundingMode.FLOOR) : ceiling;
	}

	/**
	 * The most a direct charge by a non-ADMIN key may book on a budget with
	 * {@code available} (in the budget's unit; negative past the limit): what goes beyond
	 * {@code available} is its overrun, at most {@code max} if set, else {@code maxRatio}
	 * times the room ({@code available} when positive). A charge is a settle without a
	 * hold, and the room is the most it could have reserved. Measured from
	 * {@code available} itself, not from zero, so {@code max} bounds how far past the
	 * limit a budget goes in all: repeated charges cannot each add another {@code max}.
	 */
	public BigDecimal chargeCeiling(BigDecimal available, boolean tokens) {
		BigDecimal room = available.max(BigDecimal.ZERO);
		BigDecimal allowance = (this.max != null) ? this.max : room.multiply(this.maxRatio);
		BigDecimal ceiling = available.add(allowance).max(BigDecimal.ZERO);
		return tokens ? ceiling.setScale(0, RoundingMode.FLOOR) : ceiling;
	}

}
