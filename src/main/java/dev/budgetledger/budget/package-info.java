/**
 * Budgets: their model, periods and policies, and reading them. Budgets change only
 * through {@code dev.budgetledger.ledger}.
 */
@NullMarked
package dev.budgetledger.budget;

import org.jspecify.annotations.NullMarked;
