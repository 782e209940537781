package dev.budgetledger.security;

import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.budgetledger.audit.Actor;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes sure someone can administer the service, before it accepts its first request:
 * <ul>
 * <li>a configured admin key ({@code budget-ledger.security.admin-key}) is checked (weak
 * values stop the start) and stored, as a hash, if it is not stored yet; a configured key
 * that was revoked stays revoked;</li>
 * <li>with none configured and no key in the database at all, one admin key is generated
 * and printed once in the log; only its hash is kept.</li>
 * </ul>
 * A transaction-scoped advisory lock serialises instances that start together, so they
 * never both generate a key. There is no built-in key.
 */
@Component
class AdminKeyBootstrap implements SmartInitializingSingleton {

	private static final Logger log = LoggerFactory.getLogger(AdminKeyBootstrap.class);

	static final String GENERATED_MARKER = "FIRST ADMIN API KEY";

	private final ApiKeys keys;

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final @Nullable String configuredKey;

	AdminKeyBootstrap(ApiKeys keys, JdbcClient jdbc, TransactionTemplate transactions, SecuritySettings settings) {
		this.keys = keys;
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.configuredKey = settings.adminKey();
		if (this.configuredKey != null) {
			String weakness = ApiKeySecrets.weakness(this.configuredKey);
			if (weakness != null) {
				// The message names the setting and the rule, never the value: it is
				// meant to be a secret.
				throw new IllegalStateException("budget-ledger.security.admin-key (BUDGET_LEDGER_ADMIN_KEY) " + weakness
						+ ". Generate one with: echo " + ApiKeySecrets.PREFIX
						+ "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')");
			}
		}
	}

	@Override
	public void afterSingletonsInstantiated() {
		bootstrap();
	}

	void bootstrap() {
		Optional<ApiKeys.Created> generated = this.transactions.execute(status -> {
			this.jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('budget-ledger:admin-key-bootstrap', 0))")
				.query()
				.listOfRows();
			if (this.configuredKey != null) {
				registerConfigured(this.configuredKey);
				return Optional.<ApiKeys.Created>empty();
			}
			if (this.keys.any()) {
				return Optional.<ApiKeys.Created>empty();
			}
			return Optional
				.of(this.keys.create("first admin (generated)", Role.ADMIN, null, null, Actor.service("bootstrap")));
		});
		// Printed after the commit, so a key that is shown always exists. The one place a
		// secret is ever logged.
		generated.ifPresent(created -> log.warn("""

				========================================================================
				{} (shown only this once, stored only as a hash):

				    {}

				Keep it in a secret store; create other keys with it (POST /v1/api-keys),
				or set BUDGET_LEDGER_ADMIN_KEY to use a key of your own.
				========================================================================""", GENERATED_MARKER,
				created.secret()));
	}

	private void registerConfigured(String secret) {
		Optional<ApiKey> stored = this.keys.register(secret, "admin (configured)", Role.ADMIN,
				Actor.service("bootstrap"));
		if (stored.isPresent()) {
			log.info("Stored the configured admin API key as {} ({})", stored.get().id(), stored.get().prefix());
		}
		else if (this.keys.authenticate(secret).isEmpty()) {
			log.warn("The configured admin API key ({}) was revoked and is not accepted; configure a new one",
					ApiKeySecrets.shown(secret));
		}
	}

}
