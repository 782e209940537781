@NullMarked
package dev.budgetledger.usage;

import org.jspecify.annotations.NullMarked;
