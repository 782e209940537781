package dev.budgetledger.security;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;
import dev.budgetledger.support.RoundTrips;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API key cache saves the key lookup on every request but the first, and still
 * honours a revocation made on another instance: by its notification while this instance
 * listens, and by forgetting every key whenever it stopped listening (a revocation whose
 * notification it missed is then read from the database).
 */
@Import(RoundTrips.class)
class KeyCacheIntegrationTests extends IntegrationTest {

	@Autowired
	KeyCache cache;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	RoundTrips roundTrips;

	@Test
	void aKeyIsLookedUpOnItsFirstRequestOnly() {
		Api key = this.api.as(clientKey(null));

		this.roundTrips.reset();
		assertThat(key.get("/v1/prices").status()).isEqualTo(200);
		long first = lookups();
		this.roundTrips.reset();
		assertThat(key.get("/v1/prices").status()).isEqualTo(200);
		long second = lookups();

		assertThat(first).isEqualTo(1);
		assertThat(second).isZero();
	}

	@Test
	void aRevocationOnAnotherInstanceReachesThisOneThroughItsNotification() {
		String secret = clientKey(null);
		Api key = this.api.as(secret);
		assertThat(key.get("/v1/prices").status()).isEqualTo(200);
		UUID id = UUID.fromString(keyIdOf(secret));

		// What ApiKeys.revoke does on the other instance: the update and the
		// notification, in one transaction.
		this.transactions.executeWithoutResult(status -> {
			this.jdbc.sql("UPDATE api_keys SET revoked_at = now() WHERE id = :id").param("id", id).update();
			this.jdbc.sql("SELECT pg_notify(:channel, :id)")
				.param("channel", KeyCache.CHANNEL)
				.param("id", id.toString())
				.query((rs, row) -> 1)
				.single();
		});

		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.untilAsserted(() -> assertThat(key.get("/v1/prices").status()).isEqualTo(401));
	}

	@Test
	void anInstanceThatLostItsListeningConnectionForgetsEveryKey() {
		String secret = clientKey(null);
		Api key = this.api.as(secret);
		assertThat(key.get("/v1/prices").status()).isEqualTo(200);
		int listener = this.cache.backend();
		assertThat(listener).isPositive();

		this.jdbc.sql("SELECT pg_terminate_backend(:pid)").param("pid", listener).query(Boolean.class).single();
		// Revoked while nobody listened: no notification can reach this instance.
		this.jdbc.sql("UPDATE api_keys SET revoked_at = now() WHERE id = :id")
			.param("id", UUID.fromString(keyIdOf(secret)))
			.update();

		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.cache.backend() != 0 && this.cache.backend() != listener);
		assertThat(key.get("/v1/prices").status()).isEqualTo(401);
	}

	@Test
	void aKeyRevokedThroughTheApiIsRefusedHereAtOnce() {
		String secret = createKey(Map.of("name", "revoked at once", "role", "ADMIN")).text("secret");
		Api key = this.api.as(secret);
		assertThat(key.get("/v1/prices").status()).isEqualTo(200);

		assertThat(this.api.delete("/v1/api-keys/" + keyIdOf(secret)).status()).isEqualTo(204);

		assertThat(key.get("/v1/prices").status()).isEqualTo(401);
	}

	private long lookups() {
		return this.roundTrips.calls().stream().filter(call -> call.contains("FROM api_keys")).count();
	}

}
