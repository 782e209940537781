@NullMarked
package dev.budgetledger.gateway.web;

import org.jspecify.annotations.NullMarked;
