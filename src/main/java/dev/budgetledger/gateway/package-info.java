/**
 * The LLM gateway: OpenAI- and Anthropic-compatible endpoints that reserve before
 * forwarding a call to the provider, apply the decision to what is forwarded, and settle
 * from the usage the provider reports (docs/gateway.md, docs/charging.md). It reaches the
 * ledger only through {@link GatewayLedger}.
 */
@NullMarked
package dev.budgetledger.gateway;

import org.jspecify.annotations.NullMarked;
