/**
 * Request correlation: a request id (and the caller's W3C trace id) on every log line and
 * every error body.
 */
@NullMarked
package dev.budgetledger.tracing;

import org.jspecify.annotations.NullMarked;
