/**
 * Alerting on spend: the record of denials and the projected exhaustion of a budget.
 */
@NullMarked
package dev.budgetledger.alerting;

import org.jspecify.annotations.NullMarked;
