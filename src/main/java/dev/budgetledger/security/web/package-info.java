@NullMarked
package dev.budgetledger.security.web;

import org.jspecify.annotations.NullMarked;
