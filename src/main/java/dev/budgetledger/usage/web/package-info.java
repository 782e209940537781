@NullMarked
package dev.budgetledger.usage.web;

import org.jspecify.annotations.NullMarked;
