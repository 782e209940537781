package dev.budgetledger.config;

import javax.sql.DataSource;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * Every transaction of the ledger, idempotency keys, events, webhooks and the audit log is plain JDBC
 * (JdbcClient): this is the default transaction manager, and the one {@code TransactionTemplate} uses. Only prices
 * (JPA) name their own ({@code Pricing.TRANSACTIONS}); an audit entry written inside one of those joins it, since
 * the JPA manager exposes its connection to JDBC.
 */
@Configuration(proxyBeanMethods = false)
class TransactionConfiguration {

	@Bean
	@Primary
	JdbcTransactionManager transactionManager(DataSource dataSource) {
		return new JdbcTransactionManager(dataSource);
	}

}
