@NullMarked
package dev.budgetledger.pricing;

import org.jspecify.annotations.NullMarked;
