/**
 * Small helpers every feature may use: time-ordered ids, opaque cursors and pages of
 * results.
 */
@NullMarked
package dev.budgetledger.shared;

import org.jspecify.annotations.NullMarked;
