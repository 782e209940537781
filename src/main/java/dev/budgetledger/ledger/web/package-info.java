/**
 * The ledger's HTTP API: budgets, reservations, decisions and direct charges.
 */
@NullMarked
package dev.budgetledger.ledger.web;

import org.jspecify.annotations.NullMarked;
