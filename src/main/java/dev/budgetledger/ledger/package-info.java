/**
 * The one writer of ledger state: every change of balances, holds, periods, charges and
 * the journal goes through {@link dev.budgetledger.ledger.Ledger}, which locks through
 * {@code Locks} in the one order and journals in the same transaction. Concurrent
 * requests of a tree share transactions ({@link dev.budgetledger.ledger.Coalescer}).
 */
@NullMarked
package dev.budgetledger.ledger;

import org.jspecify.annotations.NullMarked;
