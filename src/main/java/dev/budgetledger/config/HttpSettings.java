package dev.budgetledger.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * HTTP limits ({@code budget-ledger.http.*}).
 *
 * @param maxBodySize largest accepted request body; larger ones are answered with 413
 * @param maxGatewayBodySize the same for the LLM gateway's paths ({@code /openai/},
 * {@code /anthropic/}), whose prompts carry whole documents and images
 */
@ConfigurationProperties("budget-ledger.http")
record HttpSettings(@DefaultValue("64KB") DataSize maxBodySize, @DefaultValue("20MB") DataSize maxGatewayBodySize) {
}
