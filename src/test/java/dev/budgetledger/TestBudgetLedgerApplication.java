package dev.budgetledger;

import dev.budgetledger.support.TestDatabase;

import org.springframework.boot.SpringApplication;

/**
 * Runs the service on the test database (a container, or a fresh database on local
 * PostgreSQL).
 */
public class TestBudgetLedgerApplication {

	public static void main(String[] args) {
		SpringApplication.from(BudgetLedgerApplication::main).with(TestDatabase.class).run(args);
	}

}
