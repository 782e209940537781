@NullMarked
package dev.budgetledger.security;

import org.jspecify.annotations.NullMarked;
