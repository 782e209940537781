/**
 * The journal's HTTP API: a budget's entries and the reconciliation report.
 */
@NullMarked
package dev.budgetledger.journal.web;

import org.jspecify.annotations.NullMarked;
