package dev.budgetledger.idempotency;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class IdempotencyIntegrationTests extends IntegrationTest {

	@Autowired
	DataSource dataSource;

	private static String newKey() {
		return "key-" + UUID.randomUUID();
	}

	@Test
	void theSameKeyAndBodyReplaysTheFirstResponseAndHoldsOnce() {
		UUID budget = createBudget("5.00");
		String key = newKey();
		Map<String, Object> body = Map.of("budgetId", budget, "amount", "1.00");

		Api.Response first = this.api.post("/v1/reservations", body, "Idempotency-Key", key);
		Api.Response replay = this.api.post("/v1/reservations", body, "Idempotency-Key", key);

		assertThat(first.status()).isEqualTo(201);
		assertThat(first.header("Idempotent-Replayed")).isEmpty();
		assertThat(replay.status()).isEqualTo(201);
		assertThat(replay.header("Idempotent-Replayed")).hasValue("true");
		assertThat(replay.body()).isEqualTo(first.body());
		assertThat(replay.header("Location")).isEqualTo(first.header("Location"));
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void aDenyIsReplayedToo() {
		UUID budget = createBudget("0.50");
		String key = newKey();
		Map<String, Object> body = Map.of("budgetId", budget, "amount", "1.00");

		Api.Response first = this.api.post("/v1/reservations", body, "Idempotency-Key", key);
		Api.Response replay = this.api.post("/v1/reservations", body, "Idempotency-Key", key);

		assertThat(first.status()).isEqualTo(402);
		assertThat(replay.status()).isEqualTo(402);
		assertThat(replay.contentType()).startsWith("application/problem+json");
		assertThat(replay.body()).isEqualTo(first.body());
		assertThat(budget(budget).json().get("deniedCount").asLong()).isEqualTo(1);
	}

	@Test
	void theSameKeyWithADifferentBodyIsRejectedAndChangesNothing() {
		UUID budget = createBudget("5.00");
		String key = newKey();
		this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"), "Idempotency-Key", key);

		Api.Response reused = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "2.00"),
				"Idempotency-Key", key);

		assertThat(reused.status()).isEqualTo(422);
		assertThat(reused.text("code")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void theSameKeyOnAnotherEndpointIsRejected() {
		UUID budget = createBudget("5.00");
		String key = newKey();
		UUID hold = UUID.fromString(
				this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"), "Idempotency-Key", key)
					.text("id"));

		Api.Response reused = this.api.post("/v1/reservations/" + hold + "/release", "", "Idempotency-Key", key);

		assertThat(reused.status()).isEqualTo(422);
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void aKeyInFlightAnswersConflictWithoutWaiting() throws Exception {
		UUID budget = createBudget("5.00");
		String key = newKey();
		try (Connection other = this.dataSource.getConnection()) {
			other.setAutoCommit(false);
			try (PreparedStatement lock = other
				.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
				lock.setString(1, IdempotentExecutor.lockName("ADMIN", key));
				lock.execute();
			}

			Api.Response concurrent = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
					"Idempotency-Key", key);

			assertThat(concurrent.status()).isEqualTo(409);
			assertThat(concurrent.text("code")).isEqualTo("IDEMPOTENCY_KEY_IN_FLIGHT");
			other.rollback();
		}
		Api.Response afterwards = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
				"Idempotency-Key", key);
		assertThat(afterwards.status()).isEqualTo(201);
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void aSettleRetriedWithItsKeyChargesOnce() {
		UUID budget = createBudget("5.00");
		UUID hold = reserveAllowed(budget, "1.00");
		String key = newKey();

		Api.Response first = this.api.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "0.70"),
				"Idempotency-Key", key);
		Api.Response retry = this.api.post("/v1/reservations/" + hold + "/settle", Map.of("amount", "0.70"),
				"Idempotency-Key", key);

		assertThat(retry.body()).isEqualTo(first.body());
		assertThat(retry.header("Idempotent-Replayed")).hasValue("true");
		assertReconciled(budget, "0.70", "0");
	}

	@Test
	void aFailedRequestStoresNothingSoItsRetryRunsAfresh() {
		String key = newKey();
		UUID missing = UUID.randomUUID();

		Api.Response failed = this.api.post("/v1/reservations", Map.of("budgetId", missing, "amount", "1.00"),
				"Idempotency-Key", key);

		assertThat(failed.status()).isEqualTo(404);
		long stored = this.jdbc.sql("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = :key")
			.param("key", key)
			.query(Long.class)
			.single();
		assertThat(stored).isZero();
	}

	@Test
	void keysAreKeptForTheRetentionPeriodThenForgotten() {
		UUID budget = createBudget("5.00");
		String key = newKey();
		this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"), "Idempotency-Key", key);

		this.clock.advance(Duration.ofHours(23));
		assertThat(
				this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "2.00"), "Idempotency-Key", key)
					.status())
			.isEqualTo(422);

		this.clock.advance(Duration.ofHours(2));
		Api.Response reused = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "2.00"),
				"Idempotency-Key", key);
		assertThat(reused.status()).isEqualTo(201);
		assertThat(reused.header("Idempotent-Replayed")).isEmpty();
	}

	@Test
	void aRetryWithTheRotatedKeyOfTheSameScopeReplaysAndHoldsOnce() {
		UUID budget = createBudget("5.00");
		String key = newKey();
		Map<String, Object> body = Map.of("budgetId", budget, "amount", "1.00");
		Api oldKey = this.api.as(clientKey(budget));
		String rotated = clientKey(budget);

		Api.Response first = oldKey.post("/v1/reservations", body, "Idempotency-Key", key);
		Api.Response retry = this.api.as(rotated).post("/v1/reservations", body, "Idempotency-Key", key);

		assertThat(first.status()).isEqualTo(201);
		assertThat(retry.status()).isEqualTo(201);
		assertThat(retry.header("Idempotent-Replayed")).hasValue("true");
		assertThat(retry.text("id")).isEqualTo(first.text("id"));
		assertThat(retry.body()).isEqualTo(first.body());
		assertThat(storedRows(key)).isEqualTo(1);
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void aRotatedKeyWithAnotherBodyIsRejectedAndChangesNothing() {
		UUID budget = createBudget("5.00");
		String key = newKey();
		this.api.as(clientKey(budget))
			.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"), "Idempotency-Key", key);

		Api.Response reused = this.api.as(clientKey(budget))
			.post("/v1/reservations", Map.of("budgetId", budget, "amount", "2.00"), "Idempotency-Key", key);

		assertThat(reused.status()).isEqualTo(422);
		assertThat(reused.text("code")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
		assertReconciled(budget, "0", "1.00");
	}

	@Test
	void keysOfAnotherScopeNeverShareAKeySpace() {
		UUID tenantA = createBudget("5.00");
		UUID tenantB = createBudget("5.00");
		UUID childOfA = createBudget(Map.of("name", "child", "limit", "2.00", "parentId", tenantA));
		String key = newKey();
		Api agentA = this.api.as(clientKey(tenantA));
		Api agentB = this.api.as(clientKey(tenantB));
		Api agentOfChild = this.api.as(clientKey(childOfA));
		Api unbound = this.api.as(clientKey(null));

		Api.Response a = agentA.post("/v1/reservations", Map.of("budgetId", tenantA, "amount", "1.00"),
				"Idempotency-Key", key);
		Api.Response b = agentB.post("/v1/reservations", Map.of("budgetId", tenantB, "amount", "1.00"),
				"Idempotency-Key", key);
		Api.Response child = agentOfChild.post("/v1/reservations", Map.of("budgetId", childOfA, "amount", "1.00"),
				"Idempotency-Key", key);
		Api.Response admin = this.api.post("/v1/reservations", Map.of("budgetId", tenantA, "amount", "1.00"),
				"Idempotency-Key", key);
		Api.Response client = unbound.post("/v1/reservations", Map.of("budgetId", tenantA, "amount", "1.00"),
				"Idempotency-Key", key);

		for (Api.Response response : List.of(a, b, child, admin, client)) {
			assertThat(response.status()).as(response.toString()).isEqualTo(201);
			assertThat(response.header("Idempotent-Replayed")).isEmpty();
		}
		assertThat(Set.of(a.text("id"), b.text("id"), child.text("id"), admin.text("id"), client.text("id")))
			.hasSize(5);
		assertThat(storedRows(key)).isEqualTo(5);
		assertReconciled(tenantB, "0", "1.00");
		assertReconciled(tenantA, "0", "4.00");
	}

	@Test
	void aKeyStoredTheWayThePreviousReleaseWritesItLandsInItsKeySpace() {
		UUID budget = createBudget("5.00");
		String key = newKey();
		// As the previous release writes during a rolling upgrade: no key_space,
		// upserting on the API key's pair.
		for (int write = 0; write < 2; write++) {
			this.jdbc
				.sql("""
						INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, response_status, response_body,
						    created_at, expires_at)
						VALUES (:apiKeyId, :key, repeat('0', 64), 402, '{}', :now, :expiresAt)
						ON CONFLICT (api_key_id, idempotency_key) DO UPDATE SET created_at = EXCLUDED.created_at""")
				.param("apiKeyId", adminKeyId())
				.param("key", key)
				// The service's clock, which other tests move forward, decides what has
				// expired: write in its time.
				.param("now", Timestamp.from(this.clock.instant()))
				.param("expiresAt", Timestamp.from(this.clock.instant().plus(Duration.ofDays(1))))
				.update();
		}

		Api.Response sameSpace = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
				"Idempotency-Key", key);

		assertThat(sameSpace.status()).isEqualTo(422);
		assertThat(sameSpace.text("code")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
		assertThat(storedRows(key)).isEqualTo(1);
		assertReconciled(budget, "0", "0");
	}

	private long storedRows(String key) {
		return this.jdbc.sql("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = :key")
			.param("key", key)
			.query(Long.class)
			.single();
	}

	@Test
	void aKeyInFlightInOneKeySpaceDoesNotBlockAnother() throws Exception {
		UUID budget = createBudget("5.00");
		String key = newKey();
		String agent = clientKey(budget);
		try (Connection other = this.dataSource.getConnection()) {
			other.setAutoCommit(false);
			try (PreparedStatement lock = other
				.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
				lock.setString(1, IdempotentExecutor.lockName("ADMIN", key));
				lock.execute();
			}

			Api.Response admin = this.api.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"),
					"Idempotency-Key", key);
			Api.Response client = this.api.as(agent)
				.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"), "Idempotency-Key", key);

			assertThat(admin.status()).isEqualTo(409);
			assertThat(client.status()).isEqualTo(201);
			other.rollback();
		}
	}

	@Test
	void aMalformedKeyIsRejected() {
		UUID budget = createBudget("5.00");

		Api.Response response = this.api.offContract()
			.post("/v1/reservations", Map.of("budgetId", budget, "amount", "1.00"), "Idempotency-Key", "x".repeat(256));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.text("code")).isEqualTo("VALIDATION_FAILED");
		assertReconciled(budget, "0", "0");
	}

}
