package dev.budgetledger.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A transaction that asks for an isolation level gets it for itself only: the session's
 * default is never changed, so behind a pooler in transaction mode no server connection
 * is left in another level for whoever uses it next.
 */
class TransactionIsolationIntegrationTests extends IntegrationTest {

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void aRepeatableReadTransactionLeavesTheSessionDefaultAlone() {
		TransactionTemplate report = new TransactionTemplate(this.transactions);
		report.setReadOnly(true);
		report.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);

		Map<String, Object> inside = report.execute(
				status -> this.jdbc
					.sql("SELECT current_setting('transaction_isolation') AS isolation,"
							+ " current_setting('default_transaction_isolation') AS session,"
							+ " current_setting('transaction_read_only') AS read_only")
					.query()
					.singleRow());

		assertThat(inside).containsEntry("isolation", "repeatable read")
			.containsEntry("session", "read committed")
			.containsEntry("read_only", "on");
	}

	@Test
	void aTransactionWithoutAnIsolationLevelRunsInReadCommitted() {
		TransactionTemplate plain = new TransactionTemplate(this.transactions);

		String isolation = plain.execute(status -> this.jdbc.sql("SELECT current_setting('transaction_isolation')")
			.query(String.class)
			.single());

		assertThat(isolation).isEqualTo("read committed");
	}

}
