package dev.budgetledger.gateway;

import java.net.URI;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway ({@code budget-ledger.gateway.*}). Provider credentials come only from here
 * (properties or the environment, e.g. {@code BUDGET_LEDGER_GATEWAY_OPENAI_API_KEY});
 * they are sent to that provider and nowhere else, and {@link Provider#toString} never
 * shows them.
 *
 * @param openai where OpenAI calls go
 * @param anthropic where Anthropic calls go
 * @param connectTimeout how long to wait for the provider to accept a connection
 * @param readTimeout how long the provider may stay silent: before its response status,
 * and between two reads of a body or stream
 * @param holdTtl how long a gateway call's hold lives before it is extended (a stream
 * extends it at each half-life)
 */
@ConfigurationProperties("budget-ledger.gateway")
public record GatewaySettings(@DefaultValue Provider openai, @DefaultValue Provider anthropic,
		@DefaultValue("5s") Duration connectTimeout, @DefaultValue("600s") Duration readTimeout,
		@DefaultValue("600s") Duration holdTtl) {

	public GatewaySettings {
		if (readTimeout.isNegative() || readTimeout.isZero() || connectTimeout.isNegative()
				|| connectTimeout.isZero()) {
			throw new IllegalArgumentException("gateway timeouts must be positive");
		}
		if (holdTtl.toSeconds() < 2) {
			throw new IllegalArgumentException("hold-ttl must be at least 2s");
		}
	}

	/**
	 * One upstream provider.
	 *
	 * @param baseUrl the provider's API root: {@code https://api.openai.com/v1},
	 * {@code https://api.anthropic.com}
	 * @param apiKey the operator's key for that provider; empty: the provider is not
	 * configured, and its gateway endpoints answer 503
	 */
	public record Provider(@Nullable URI baseUrl, @Nullable String apiKey) {

		public boolean configured() {
			return this.baseUrl != null && this.apiKey != null && !this.apiKey.isBlank();
		}

		@Override
		public String toString() {
			return "Provider[baseUrl=" + this.baseUrl + ", apiKey=" + (configured() ? "(set)" : "(none)") + "]";
		}

	}

}
