/**
 * A Spring AI {@code ChatClient} advisor that holds budget before every model call and settles it with the usage
 * the model reports.
 */
@NullMarked
package dev.budgetledger.client.springai;

import org.jspecify.annotations.NullMarked;
