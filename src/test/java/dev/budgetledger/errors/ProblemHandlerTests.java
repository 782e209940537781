package dev.budgetledger.errors;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.UncategorizedSQLException;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemHandlerTests {

	private final ProblemHandler handler = new ProblemHandler();

	@Test
	void aLockTimeoutTheJdbcTranslationMissedIsStillALockTimeout() {
		ResponseEntity<ProblemDetail> lock = this.handler.handleUncategorizedSql(uncategorized("55P03"));
		ResponseEntity<ProblemDetail> statement = this.handler.handleUncategorizedSql(uncategorized("57014"));

		assertThat(lock.getBody().getProperties()).containsEntry("code", "LOCK_TIMEOUT");
		assertThat(lock.getStatusCode().value()).isEqualTo(ProblemType.LOCK_TIMEOUT.status().value());
		assertThat(statement.getBody().getProperties()).containsEntry("code", "LOCK_TIMEOUT");
	}

	@Test
	void anyOtherUncategorizedSqlErrorIsAnInternalError() {
		ResponseEntity<ProblemDetail> other = this.handler.handleUncategorizedSql(uncategorized("XX000"));

		assertThat(other.getStatusCode().value()).isEqualTo(500);
		assertThat(other.getBody().getProperties()).containsEntry("code", "INTERNAL_ERROR");
	}

	private static UncategorizedSQLException uncategorized(String sqlState) {
		return new UncategorizedSQLException("SELECT ... FOR UPDATE", "SELECT 1",
				new SQLException("canceling statement", sqlState));
	}

}
