@NullMarked
package dev.budgetledger.ledger.web;

import org.jspecify.annotations.NullMarked;
