/**
 * A small typed client for the budget-ledger API: reserve before an LLM call, settle or release after it.
 * Amounts are {@link java.math.BigDecimal} and travel as decimal strings; errors are typed exceptions.
 */
@NullMarked
package dev.budgetledger.client;

import org.jspecify.annotations.NullMarked;
