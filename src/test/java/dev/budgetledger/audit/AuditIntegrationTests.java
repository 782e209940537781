package dev.budgetledger.audit;

import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.budget.BudgetPolicy;
import dev.budgetledger.ledger.BudgetAdministration;
import dev.budgetledger.budget.Mode;
import dev.budgetledger.budget.NewBudget;
import dev.budgetledger.budget.Period;
import dev.budgetledger.pricing.Pricing;
import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuditIntegrationTests extends IntegrationTest {

	@Autowired
	AuditLog audit;

	@Autowired
	BudgetAdministration administration;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	@Qualifier(Pricing.TRANSACTIONS)
	PlatformTransactionManager pricingTransactions;

	@Test
	void budgetChangesAreRecordedWithWhoBeforeAndAfter() {
		Api.Response key = createKey(Map.of("name", "finance admin", "role", "ADMIN"));
		Api finance = this.api.as(key.text("secret"));
		String budget = finance.post("/v1/budgets", Map.of("name", "team", "limit", "5.00")).text("id");
		finance.patch("/v1/budgets/" + budget, Map.of("limit", "7.50"));

		List<JsonNode> entries = entries(budget);

		assertThat(entries).hasSize(2);
		JsonNode created = entries.get(0);
		assertThat(created.get("action").asString()).isEqualTo("BUDGET_CREATE");
		assertThat(created.get("targetType").asString()).isEqualTo("BUDGET");
		assertThat(created.get("actorKeyId").asString()).isEqualTo(key.text("id"));
		assertThat(created.get("actorName").asString()).isEqualTo("finance admin");
		assertThat(created.get("before").isNull()).isTrue();
		assertThat(created.get("after").get("limit").asString()).isEqualTo("5.00");
		assertThat(created.get("createdAt").asString()).isNotBlank();
		JsonNode changed = entries.get(1);
		assertThat(changed.get("action").asString()).isEqualTo("BUDGET_UPDATE");
		assertThat(changed.get("before").get("limit").asString()).isEqualTo("5.00");
		assertThat(changed.get("after").get("limit").asString()).isEqualTo("7.50");
	}

	@Test
	void priceChangesAreRecordedWithTheOldPrice() {
		String model = "audited-model-" + UUID.randomUUID();
		this.api.put("/v1/prices/" + model, Map.of("inputPerMillion", "1", "outputPerMillion", "2", "currency", "USD"));
		this.api.put("/v1/prices/" + model, Map.of("inputPerMillion", "3", "outputPerMillion", "4", "currency", "USD"));

		List<JsonNode> entries = entries(model);

		assertThat(entries).extracting(entry -> entry.get("action").asString())
			.containsExactly("PRICE_PUT", "PRICE_PUT");
		assertThat(entries.get(0).get("before").isNull()).isTrue();
		assertThat(entries.get(1).get("before").get("inputPerMillion").asString()).isEqualTo("1.00");
		assertThat(entries.get(1).get("after").get("inputPerMillion").asString()).isEqualTo("3.00");
		assertThat(entries.get(1).get("actorKeyId").asString()).isEqualTo(adminKeyId().toString());
	}

	@Test
	void keyCreationAndRevocationAreRecordedWithoutTheSecret() {
		Api.Response key = createKey(Map.of("name", "temporary", "role", "CLIENT"));
		this.api.delete("/v1/api-keys/" + key.text("id"));
		this.api.delete("/v1/api-keys/" + key.text("id"));

		List<JsonNode> entries = entries(key.text("id"));

		assertThat(entries).extracting(entry -> entry.get("action").asString())
			.as("revoking twice changes, and records, once")
			.containsExactly("API_KEY_CREATE", "API_KEY_REVOKE");
		assertThat(entries.get(1).get("before").get("revokedAt").isNull()).isTrue();
		assertThat(entries.get(1).get("after").get("revokedAt").asString()).isNotBlank();
		assertThat(entries.get(1).get("after").get("prefix").asString()).isEqualTo(key.text("prefix"));
		assertThat(entries.toString()).doesNotContain(key.text("secret").substring(14)).doesNotContain("secret");
	}

	@Test
	void aReplayedCreateAndARefusedChangeRecordNothing() {
		String idempotencyKey = "audit-" + UUID.randomUUID();
		Map<String, Object> request = Map.of("name", "once", "limit", "1");
		String budget = this.api.post("/v1/budgets", request, "Idempotency-Key", idempotencyKey).text("id");
		this.api.post("/v1/budgets", request, "Idempotency-Key", idempotencyKey);
		this.api.offContract().patch("/v1/budgets/" + budget, Map.of("limit", "-1"));
		this.api.as(clientKey(UUID.fromString(budget))).patch("/v1/budgets/" + budget, Map.of("limit", "100"));

		assertThat(entries(budget)).extracting(entry -> entry.get("action").asString())
			.containsExactly("BUDGET_CREATE");
	}

	@Test
	void aChangeAndItsEntryCommitOrRollBackTogether() {
		List<UUID> opened = new ArrayList<>();

		this.transactions.executeWithoutResult(status -> {
			UUID id = this.administration
				.open(new NewBudget("rolled back", null, "USD", BigDecimal.ONE, Period.NONE, ZoneOffset.UTC, false,
						null,
						new BudgetPolicy(Mode.HARD, BudgetPolicy.DEFAULT_THRESHOLDS, null, null, null, null, null),
						Map.of()), Actor.service("test"))
				.id();
			opened.add(id);
			status.setRollbackOnly();
		});

		assertThat(budget(opened.get(0)).status()).isEqualTo(404);
		assertThat(entries(opened.get(0).toString())).isEmpty();
		assertThatThrownBy(
				() -> this.audit.record(Actor.service("test"), AuditAction.BUDGET_CREATE, "x", null, Map.of()))
			.as("an entry outside the change's transaction is refused")
			.isInstanceOf(IllegalTransactionStateException.class);
	}

	@Test
	void anEntryWrittenInAPriceChangesJpaTransactionRollsBackWithIt() {
		String model = "audit-atomicity-" + UUID.randomUUID();

		new TransactionTemplate(this.pricingTransactions).executeWithoutResult(status -> {
			this.audit.record(Actor.service("test"), AuditAction.PRICE_PUT, model, null, Map.of("model", model));
			status.setRollbackOnly();
		});

		assertThat(entries(model)).as("the entry went down with the JPA transaction it was written in").isEmpty();
	}

	@Test
	void theLogIsPagedAndCannotBeEditedOrDeleted() {
		String model = "paged-model-" + UUID.randomUUID();
		for (int i = 1; i <= 3; i++) {
			this.api.put("/v1/prices/" + model, Map.of("inputPerMillion", i, "outputPerMillion", i, "currency", "USD"));
		}

		Api.Response first = this.api.get("/v1/audit?limit=2&targetId=" + model);
		Api.Response second = this.api
			.get("/v1/audit?limit=2&targetId=" + model + "&cursor=" + first.text("nextCursor"));

		assertThat(first.json().get("items")).hasSize(2);
		assertThat(second.json().get("items")).hasSize(1);
		assertThat(second.json().get("nextCursor").isNull()).isTrue();
		assertThat(this.api.offContract().get("/v1/audit?limit=201").status()).isEqualTo(400);
		assertThatThrownBy(() -> this.jdbc.sql("UPDATE audit_log SET actor_name = 'someone else' WHERE target_id = :id")
			.param("id", model)
			.update()).hasMessageContaining("append-only");
		assertThatThrownBy(
				() -> this.jdbc.sql("DELETE FROM audit_log WHERE target_id = :id").param("id", model).update())
			.hasMessageContaining("append-only");
	}

	private List<JsonNode> entries(String targetId) {
		Api.Response page = this.api.get("/v1/audit?limit=200&targetId=" + targetId);
		assertThat(page.status()).as(page.toString()).isEqualTo(200);
		List<JsonNode> entries = new ArrayList<>();
		page.json().get("items").forEach(entries::add);
		return entries;
	}

}
