/**
 * Webhooks: endpoints that receive the outbox events, signed the Standard Webhooks way,
 * delivered at least once by a dispatcher that runs on every instance at once and never
 * touches the budget rows.
 */
@NullMarked
package dev.budgetledger.webhooks;

import org.jspecify.annotations.NullMarked;
