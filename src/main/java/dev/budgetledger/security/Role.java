package dev.budgetledger.security;

/** What an API key may do. */
public enum Role {

	/** Manages budgets, prices, API keys and the audit log, and may do everything a client may. */
	ADMIN,
	/** Reserves, settles, releases, extends and reads; changes no limit, price or key. */
	CLIENT;

	/** The Spring Security authority of the role. */
	String authority() {
		return "ROLE_" + name();
	}

}
