@NullMarked
package dev.budgetledger.events;

import org.jspecify.annotations.NullMarked;
