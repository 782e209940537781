package dev.budgetledger.security;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A request's API key: first the presented secret (unauthenticated), then, once looked
 * up, the {@link Caller} with its role as authority and the secret dropped.
 */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

	private @Nullable String secret;

	private final @Nullable Caller caller;

	private ApiKeyAuthentication(String secret) {
		super(List.of());
		this.secret = secret;
		this.caller = null;
	}

	private ApiKeyAuthentication(Caller caller) {
		super(List.of(new SimpleGrantedAuthority(caller.role().authority())));
		this.secret = null;
		this.caller = caller;
		setAuthenticated(true);
	}

	static ApiKeyAuthentication presented(String secret) {
		return new ApiKeyAuthentication(secret);
	}

	static ApiKeyAuthentication authenticated(Caller caller) {
		return new ApiKeyAuthentication(caller);
	}

	@Override
	public @Nullable String getCredentials() {
		return this.secret;
	}

	@Override
	public @Nullable Caller getPrincipal() {
		return this.caller;
	}

	@Override
	public String getName() {
		return (this.caller != null) ? this.caller.keyId().toString() : "";
	}

	@Override
	public void eraseCredentials() {
		super.eraseCredentials();
		this.secret = null;
	}

	/**
	 * Spring Security logs authentications at DEBUG and TRACE; the secret must never be
	 * part of that.
	 */
	@Override
	public String toString() {
		return "ApiKeyAuthentication[caller=" + this.caller + ", authenticated=" + isAuthenticated() + "]";
	}

}
