package dev.budgetledger;

import org.junit.jupiter.api.Test;

import org.springframework.modulith.core.ApplicationModules;

/**
 * The feature packages (direct sub-packages of {@code dev.budgetledger}) form an acyclic
 * graph, and none reaches into another's sub-packages (its {@code web} controllers and
 * other insides): Spring Modulith's verification, as in spring-restbucks. Fails with the
 * offending types named.
 */
class ModulesTests {

	@Test
	void featurePackagesAreAcyclicAndUseOnlyEachOthersTopLevelTypes() {
		ApplicationModules.of(BudgetLedgerApplication.class).verify();
	}

}
