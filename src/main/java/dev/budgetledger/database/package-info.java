/**
 * Where the database comes from when none is configured (an embedded PostgreSQL), and the fixes that let old
 * migrations upgrade databases that hold data.
 */
@NullMarked
package dev.budgetledger.database;

import org.jspecify.annotations.NullMarked;
