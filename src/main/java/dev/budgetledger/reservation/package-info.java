/**
 * Holds: reservations, the reserve and settle commands and their outcomes, the deny rules
 * ({@link dev.budgetledger.reservation.Decider}), what a key may see
 * ({@link dev.budgetledger.reservation.BudgetScope}), and reading reservations.
 * Reservations change only through {@code dev.budgetledger.ledger}.
 */
@NullMarked
package dev.budgetledger.reservation;

import org.jspecify.annotations.NullMarked;
