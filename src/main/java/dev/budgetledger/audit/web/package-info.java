@NullMarked
package dev.budgetledger.audit.web;

import org.jspecify.annotations.NullMarked;
