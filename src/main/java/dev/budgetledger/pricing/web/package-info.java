@NullMarked
package dev.budgetledger.pricing.web;

import org.jspecify.annotations.NullMarked;
