package dev.budgetledger.reservation;

import java.math.BigDecimal;
import java.util.List;

/**
 * A direct charge and what its budget has left afterwards (in its {@code unit}; negative
 * past the limit), with the alert thresholds it crossed (warnings such as
 * {@code THRESHOLD_80}).
 */
public record Charged(DirectCharge charge, BigDecimal available, String unit, List<String> warnings) {
}
