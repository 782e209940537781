package dev.budgetledger.idempotency;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Idempotency keys ({@code budget-ledger.idempotency.*}).
 *
 * @param retention how long a key and its response are kept (at least 24 h is promised)
 * @param purgeInterval how often expired keys are deleted
 */
@ConfigurationProperties("budget-ledger.idempotency")
record IdempotencySettings(@DefaultValue("24h") Duration retention, @DefaultValue("10m") Duration purgeInterval) {
}
