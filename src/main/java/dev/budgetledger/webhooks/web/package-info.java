@NullMarked
package dev.budgetledger.webhooks.web;

import org.jspecify.annotations.NullMarked;
