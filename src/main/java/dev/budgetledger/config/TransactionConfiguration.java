package dev.budgetledger.config;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.DelegatingTransactionDefinition;

/**
 * Every transaction of the ledger, idempotency keys, events, webhooks and the audit log
 * is plain JDBC (JdbcClient): this is the default transaction manager, and the one
 * {@code TransactionTemplate} uses. Only prices (JPA) name their own
 * ({@code Pricing.TRANSACTIONS}); an audit entry written inside one of those joins it,
 * since the JPA manager exposes its connection to JDBC.
 */
@Configuration(proxyBeanMethods = false)
class TransactionConfiguration {

	@Bean
	@Primary
	JdbcTransactionManager transactionManager(DataSource dataSource) {
		return new TransactionScopedIsolation(dataSource);
	}

	/**
	 * Sets a transaction's isolation level inside the transaction
	 * ({@code SET TRANSACTION ISOLATION LEVEL}, its first statement) instead of on the
	 * connection. The JDBC way, {@code Connection.setTransactionIsolation}, makes pgjdbc
	 * send {@code SET SESSION CHARACTERISTICS ...} before the transaction and again after
	 * it to reset it: behind PgBouncer in transaction mode those two land on whichever
	 * server connections are free at the time, so the repeatable-read snapshot of a
	 * report may not be one, and a server connection left in repeatable read would make
	 * later ledger transactions of any instance fail on concurrent updates. Within the
	 * transaction the setting cannot leak, costs no extra round trip, and works the same
	 * without a pooler.
	 */
	static final class TransactionScopedIsolation extends JdbcTransactionManager {

		TransactionScopedIsolation(DataSource dataSource) {
			super(dataSource);
		}

		@Override
		protected void doBegin(Object transaction, TransactionDefinition definition) {
			if (definition.getIsolationLevel() == TransactionDefinition.ISOLATION_DEFAULT) {
				super.doBegin(transaction, definition);
				return;
			}
			super.doBegin(transaction, new Isolated(definition));
		}

		@Override
		protected void prepareTransactionalConnection(Connection connection, TransactionDefinition definition)
				throws SQLException {
			super.prepareTransactionalConnection(connection, definition);
			if (definition instanceof Isolated isolated) {
				try (Statement statement = connection.createStatement()) {
					statement.execute("SET TRANSACTION ISOLATION LEVEL " + isolated.level());
				}
			}
		}

	}

	/**
	 * A definition whose isolation the connection does not see (default), applied by the
	 * statement instead.
	 */
	private static final class Isolated extends DelegatingTransactionDefinition {

		private final int isolation;

		Isolated(TransactionDefinition definition) {
			super(definition);
			this.isolation = definition.getIsolationLevel();
		}

		@Override
		public int getIsolationLevel() {
			return ISOLATION_DEFAULT;
		}

		String level() {
			return switch (this.isolation) {
				case ISOLATION_READ_UNCOMMITTED -> "READ UNCOMMITTED";
				case ISOLATION_READ_COMMITTED -> "READ COMMITTED";
				case ISOLATION_REPEATABLE_READ -> "REPEATABLE READ";
				case ISOLATION_SERIALIZABLE -> "SERIALIZABLE";
				default -> throw new IllegalArgumentException("Unknown isolation level " + this.isolation);
			};
		}

	}

}
