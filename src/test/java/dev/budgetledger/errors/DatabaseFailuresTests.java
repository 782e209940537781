package dev.budgetledger.errors;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.transaction.TransactionSystemException;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseFailuresTests {

	@Test
	void aRollbackThatFailedAfterALostConnectionIsTheLostConnection() {
		TransactionSystemException rollback = new TransactionSystemException("JDBC rollback failed",
				new SQLException("Connection is closed"));
		rollback.initApplicationException(new DataAccessResourceFailureException("I/O error",
				new SQLException("An I/O error occurred while sending to the backend.", "08006")));

		assertThat(DatabaseFailures.classify(rollback)).isEqualTo(ProblemType.SERVICE_UNAVAILABLE);
	}

	@Test
	void aRollbackThatFailedAfterALockTimeoutIsTheLockTimeout() {
		TransactionSystemException rollback = new TransactionSystemException("JDBC rollback failed",
				new SQLException("Connection is closed"));
		rollback.initApplicationException(new PessimisticLockingFailureException("lock timeout"));

		assertThat(DatabaseFailures.classify(rollback)).isEqualTo(ProblemType.LOCK_TIMEOUT);
	}

	@Test
	void aCommitThatFailedWithoutASqlStateLeavesTheDatabaseUnavailable() {
		TransactionSystemException commit = new TransactionSystemException("JDBC commit failed",
				new SQLException("Connection is closed"));

		assertThat(DatabaseFailures.classify(commit)).isEqualTo(ProblemType.SERVICE_UNAVAILABLE);
	}

	@Test
	void aFailureOfTheRequestItselfIsNotTheDatabases() {
		assertThat(DatabaseFailures.classify(new IllegalStateException("no"))).isNull();
		assertThat(DatabaseFailures.classify(new SQLException("duplicate key", "23505"))).isNull();
	}

}
