package dev.budgetledger.support;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;

import dev.budgetledger.ledger.Ledger;
import dev.budgetledger.journal.Reconciliation;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of the integration tests: the whole service on a random port over a real
 * PostgreSQL. All of them share one application context (one start per run); each test
 * makes its own budgets, so they never see each other's data. The expiry sweep is slowed
 * to once an hour here so tests that move the clock decide when holds expire;
 * {@code ExpirySchedulerIntegrationTests} runs it fast in a context of its own. Webhooks
 * are dispatched only when a test calls the dispatcher (the schedule is an hour), may
 * reach 127.0.0.1 (receivers the tests start) and nothing else private, and back off for
 * seconds, not hours.
 * <p>
 * Requests go out with the admin key configured here ({@link #ADMIN_KEY}); {@link #api}
 * can send another key or none. That one key makes every request of the whole suite, far
 * beyond what one real caller does, so its rate limit is lifted here;
 * {@code RateLimitIntegrationTests} checks the limit in a context of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "budget-ledger.reservations.sweep-interval=1h",
				"spring.datasource.hikari.connection-timeout=15000",
				"budget-ledger.security.admin-key=" + IntegrationTest.ADMIN_KEY,
				"budget-ledger.security.rate-limit.requests-per-second=1000000",
				"budget-ledger.security.rate-limit.burst=1000000", "budget-ledger.webhooks.poll-interval=1h",
				"budget-ledger.webhooks.allowed-targets=127.0.0.1/32", "budget-ledger.webhooks.initial-backoff=1s",
				"budget-ledger.webhooks.max-backoff=2s", "budget-ledger.webhooks.max-attempts=4",
				"budget-ledger.webhooks.read-timeout=3s", "budget-ledger.webhooks.secret-overlap=1m" })
@Import(TestInfrastructure.class)
public abstract class IntegrationTest {

	/**
	 * The admin key of the test contexts; a test value, never a default of the service.
	 */
	public static final String ADMIN_KEY = "bl_live_nONTxey0Jplmbm98NXCIPnF99vciMX9IHfiFCuaHVFM";

	@LocalServerPort
	private int port;

	@Autowired
	protected MutableClock clock;

	@Autowired
	protected JdbcClient jdbc;

	@Autowired
	private ApplicationContext context;

	@Autowired
	protected Reconciliation reconciliation;

	protected Api api;

	@BeforeEach
	void connect() {
		this.api = new Api(this.port, ADMIN_KEY);
	}

	/** The id of {@link #ADMIN_KEY}, stored by the bootstrap at startup. */
	protected UUID adminKeyId() {
		return this.jdbc.sql("SELECT id FROM api_keys WHERE secret_hash = sha256(convert_to(:key, 'UTF8'))")
			.param("key", ADMIN_KEY)
			.query(UUID.class)
			.single();
	}

	/**
	 * Creates an API key with the admin key; answers the whole 201 body, secret included.
	 */
	protected Api.Response createKey(Map<String, Object> request) {
		Api.Response response = this.api.post("/v1/api-keys", request);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response;
	}

	/**
	 * A CLIENT key bound to {@code budgetId} (or to no budget if null); answers its
	 * secret.
	 */
	/**
	 * The id of the key with this secret (looked up by its SHA-256 hash, as the service
	 * does).
	 */
	protected String keyIdOf(String secret) {
		return this.jdbc.sql("SELECT id FROM api_keys WHERE secret_hash = sha256(convert_to(:secret, 'UTF8'))")
			.param("secret", secret)
			.query(UUID.class)
			.single()
			.toString();
	}

	protected String clientKey(@Nullable UUID budgetId) {
		Map<String, Object> request = new HashMap<>(Map.of("name", "agent", "role", "CLIENT"));
		if (budgetId != null) {
			request.put("budgetId", budgetId);
		}
		return createKey(request).text("secret");
	}

	protected UUID createBudget(String limit) {
		Api.Response response = this.api.post("/v1/budgets", Map.of("name", "test budget", "limit", limit));
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return UUID.fromString(response.text("id"));
	}

	/** Creates a budget from a full request body (name defaults to "test budget"). */
	protected UUID createBudget(Map<String, Object> body) {
		Map<String, Object> request = new LinkedHashMap<>(body);
		request.putIfAbsent("name", "test budget");
		Api.Response response = this.api.post("/v1/budgets", request);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return UUID.fromString(response.text("id"));
	}

	/**
	 * Runs the expiry sweep until nothing is due, as the scheduler would over a few runs.
	 */
	protected int expireAllDue() {
		Ledger ledger = this.context.getBean(Ledger.class);
		int total = 0;
		int expired;
		do {
			expired = ledger.expireDue(500);
			total += expired;
		}
		while (expired > 0);
		return total;
	}

	/** No budget anywhere disagrees with its journal or its held reservations. */
	protected void assertLedgerReconciled() {
		assertThat(this.reconciliation.check()).isEmpty();
	}

	protected Api.Response reserve(UUID budgetId, String amount) {
		return this.api.post("/v1/reservations", Map.of("budgetId", budgetId, "amount", amount));
	}

	protected UUID reserveAllowed(UUID budgetId, String amount) {
		Api.Response response = reserve(budgetId, amount);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return UUID.fromString(response.text("id"));
	}

	protected Api.Response budget(UUID id) {
		return this.api.get("/v1/budgets/" + id);
	}

	protected Api.Response reservation(UUID id) {
		return this.api.get("/v1/reservations/" + id);
	}

	protected Api.Response settle(UUID reservationId, Object body) {
		return this.api.post("/v1/reservations/" + reservationId + "/settle", body);
	}

	protected long journalSize(UUID budgetId) {
		return this.jdbc.sql("SELECT count(*) FROM journal_entries WHERE budget_id = :id")
			.param("id", budgetId)
			.query(Long.class)
			.single();
	}

	/**
	 * The budget's balances as stored and as the journal sums them: they must agree to
	 * the last digit.
	 */
	protected void assertReconciled(UUID budgetId, String spent, String reserved) {
		Api.Response budget = budget(budgetId);
		assertThat(budget.amount("spent")).isEqualByComparingTo(spent);
		assertThat(budget.amount("reserved")).isEqualByComparingTo(reserved);
		Map<String, Object> sums = this.jdbc.sql(
				"SELECT sum(spent_delta) AS spent, sum(reserved_delta) AS reserved FROM journal_entries WHERE budget_id = :id")
			.param("id", budgetId)
			.query()
			.singleRow();
		assertThat((BigDecimal) sums.get("spent")).isEqualByComparingTo(spent);
		assertThat((BigDecimal) sums.get("reserved")).isEqualByComparingTo(reserved);
		assertThat(this.reconciliation.check()).filteredOn(d -> d.budgetId().equals(budgetId)).isEmpty();
	}

}
