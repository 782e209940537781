@NullMarked
package dev.budgetledger.money;

import org.jspecify.annotations.NullMarked;
