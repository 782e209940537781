package dev.budgetledger.journal.web;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class ReconciliationApiIntegrationTests extends IntegrationTest {

	@Autowired
	TransactionTemplate transactions;

	@Test
	void aConsistentLedgerReconcilesAndATamperedBalanceIsFound() {
		UUID budget = createBudget("10");
		settle(reserveAllowed(budget, "2"), Map.of("amount", "1.5"));
		reserveAllowed(budget, "1");

		Api.Response clean = this.api.get("/v1/admin/reconciliation");
		assertThat(clean.status()).isEqualTo(200);
		assertThat(clean.json().get("ok").asBoolean()).isTrue();

		// Change a balance behind the ledger's back, in a transaction that is rolled back
		// afterwards.
		this.transactions.executeWithoutResult(status -> {
			this.jdbc.sql("UPDATE budgets SET spent = spent + 0.01 WHERE id = :id").param("id", budget).update();
			assertThat(this.reconciliation.check()).singleElement()
				.satisfies(d -> assertThat(d.budgetId()).isEqualTo(budget))
				.satisfies(d -> assertThat(d.problem()).startsWith("spent 1.51"));
			status.setRollbackOnly();
		});
		assertThat(this.api.get("/v1/admin/reconciliation").json().get("ok").asBoolean()).isTrue();
	}

	@Test
	void onlyAdminsMayReconcile() {
		String client = clientKey(null);

		assertThat(this.api.as(client).get("/v1/admin/reconciliation").status()).isEqualTo(403);
	}

}
