package dev.budgetledger.pricing;

import jakarta.persistence.EntityManagerFactory;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.orm.jpa.JpaTransactionManager;

/**
 * Prices are the one JPA entity, and only they run under a JPA transaction manager: the
 * ledger's transactions use plain JDBC ({@code TransactionConfiguration}), so a reserve
 * or settle no longer opens and commits a Hibernate session it never uses (7 % of the
 * service's CPU on the uniform benchmark).
 */
@Configuration(proxyBeanMethods = false)
@EnableJpaRepositories(basePackageClasses = Prices.class, transactionManagerRef = Pricing.TRANSACTIONS)
class PricingConfiguration {

	@Bean(Pricing.TRANSACTIONS)
	JpaTransactionManager pricingTransactionManager(EntityManagerFactory entityManagerFactory) {
		return new JpaTransactionManager(entityManagerFactory);
	}

}
