/**
 * The admin console: static pages under {@code /console} that sign in with an admin API
 * key and call only the public {@code /v1} API from the browser (see docs/console.md).
 */
@NullMarked
package dev.budgetledger.console;

import org.jspecify.annotations.NullMarked;
