/**
 * Where the database comes from when none is configured (an embedded PostgreSQL), the
 * fixes that let old migrations upgrade databases that hold data, and the optional read
 * replica for reads that may be a little behind.
 */
@NullMarked
package dev.budgetledger.database;

import org.jspecify.annotations.NullMarked;
