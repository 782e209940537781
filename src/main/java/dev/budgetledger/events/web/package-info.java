@NullMarked
package dev.budgetledger.events.web;

import org.jspecify.annotations.NullMarked;
