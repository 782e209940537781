package dev.budgetledger.security;

/** What an API key may do. */
public enum Role {

	/**
	 * Manages budgets, prices, API keys and the audit log, and may do everything a client
	 * may.
	 */
	ADMIN,
	/** Reserves, settles, releases, extends and reads; changes no limit, price or key. */
	CLIENT,
	/**
	 * Reads what the console shows and nothing else: budgets, their usage, denials,
	 * journal and events, reservations, prices and the list of API keys (never a secret).
	 * Never bound to a budget; reserves nothing, changes nothing, and reads no webhook
	 * (their URLs may carry secrets) and no audit log.
	 */
	VIEWER;

	/** The Spring Security authority of the role. */
	String authority() {
		return "ROLE_" + name();
	}

}
