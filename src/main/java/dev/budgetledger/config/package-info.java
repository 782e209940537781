@NullMarked
package dev.budgetledger.config;

import org.jspecify.annotations.NullMarked;
