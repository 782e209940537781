/**
 * The journal: its entry kinds, reading it, and the invariant checker
 * ({@link dev.budgetledger.journal.Reconciliation}).
 */
@NullMarked
package dev.budgetledger.journal;

import org.jspecify.annotations.NullMarked;
