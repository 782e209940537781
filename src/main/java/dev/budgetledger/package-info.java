@NullMarked
package dev.budgetledger;

import org.jspecify.annotations.NullMarked;
