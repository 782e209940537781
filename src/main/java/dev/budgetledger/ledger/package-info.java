@NullMarked
package dev.budgetledger.ledger;

import org.jspecify.annotations.NullMarked;
