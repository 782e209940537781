package dev.budgetledger.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * HTTP limits ({@code budget-ledger.http.*}).
 *
 * @param maxBodySize largest accepted request body; larger ones are answered with 413
 */
@ConfigurationProperties("budget-ledger.http")
record HttpSettings(@DefaultValue("64KB") DataSize maxBodySize) {
}
