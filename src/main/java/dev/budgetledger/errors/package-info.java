@NullMarked
package dev.budgetledger.errors;

import org.jspecify.annotations.NullMarked;
