@NullMarked
package dev.budgetledger.audit;

import org.jspecify.annotations.NullMarked;
