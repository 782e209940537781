package dev.budgetledger.errors;

import java.sql.SQLException;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Which failures are the database's rather than the request's: a lock or statement
 * timeout (LOCK_TIMEOUT) or an unreachable database (SERVICE_UNAVAILABLE). Translated
 * exceptions are recognised by type anywhere in the cause chain; untranslated ones (a
 * timeout as an uncategorized SQLException, a killed connection failing a rollback) by
 * the SQLSTATE of the first SQLException that has one: lock_not_available (55P03) and
 * query_canceled (57014) are timeouts, connection exceptions (08) and operator
 * interventions (57P) an unavailable database.
 * <p>
 * A commit or rollback that failed in a way JDBC could not classify
 * ({@code TransactionSystemException}, e.g. the pool had already closed a connection the
 * database dropped: "Connection is closed", no SQLSTATE) is the database's too: the
 * original failure that caused a rollback decides if there is one, else the database
 * counts as unavailable. Nothing was committed (or, for a failed commit, the outcome is
 * unknown), and a retry with the same Idempotency-Key is safe either way.
 */
public final class DatabaseFailures {

	private DatabaseFailures() {
	}

	/** LOCK_TIMEOUT, SERVICE_UNAVAILABLE, or null for a failure of the request itself. */
	public static @Nullable ProblemType classify(Throwable failure) {
		String state = null;
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof TransactionSystemException transaction) {
				Throwable original = transaction.getApplicationException();
				ProblemType type = (original != null) ? classify(original) : null;
				return (type != null) ? type : ProblemType.SERVICE_UNAVAILABLE;
			}
			if (cause instanceof PessimisticLockingFailureException || cause instanceof QueryTimeoutException) {
				return ProblemType.LOCK_TIMEOUT;
			}
			if (cause instanceof DataAccessResourceFailureException
					|| cause instanceof TransientDataAccessResourceException
					|| cause instanceof CannotCreateTransactionException) {
				return ProblemType.SERVICE_UNAVAILABLE;
			}
			if (state == null && cause instanceof SQLException sql) {
				state = sql.getSQLState();
			}
		}
		if (state == null) {
			return null;
		}
		if (state.equals("55P03") || state.equals("57014")) {
			return ProblemType.LOCK_TIMEOUT;
		}
		return (state.startsWith("08") || state.startsWith("57P")) ? ProblemType.SERVICE_UNAVAILABLE : null;
	}

}
