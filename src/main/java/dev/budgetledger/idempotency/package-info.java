@NullMarked
package dev.budgetledger.idempotency;

import org.jspecify.annotations.NullMarked;
