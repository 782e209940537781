package dev.budgetledger.security;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

import org.springframework.http.HttpHeaders;

/**
 * 401 with the {@code WWW-Authenticate} challenge of RFC 6750. An unknown, revoked and
 * expired key all get the same answer, so a stolen old key tells its holder nothing about
 * the keys that exist.
 */
class UnauthenticatedException extends ApiException {

	static final String REALM = "budget-ledger";

	private UnauthenticatedException(String detail, String challenge) {
		super(ProblemType.UNAUTHENTICATED, detail);
		header(HttpHeaders.WWW_AUTHENTICATE, challenge);
	}

	static UnauthenticatedException missingKey() {
		return new UnauthenticatedException("Send an API key as 'Authorization: Bearer <key>'",
				"Bearer realm=\"" + REALM + "\"");
	}

	static UnauthenticatedException invalidKey() {
		String detail = "The API key is unknown, revoked or expired";
		return new UnauthenticatedException(detail,
				"Bearer realm=\"" + REALM + "\", error=\"invalid_token\", error_description=\"" + detail + "\"");
	}

}
