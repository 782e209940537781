package dev.budgetledger.security;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

/**
 * Turns a presented API key into its {@link Caller}. Being an
 * {@code AuthenticationProvider} bean also keeps Spring Boot from creating its default
 * user with a generated password: API keys are the only credentials here.
 */
@Component
class ApiKeyAuthenticationProvider implements AuthenticationProvider {

	private final ApiKeys keys;

	ApiKeyAuthenticationProvider(ApiKeys keys) {
		this.keys = keys;
	}

	@Override
	public Authentication authenticate(Authentication authentication) {
		String secret = (String) authentication.getCredentials();
		if (secret == null) {
			throw new BadCredentialsException("No API key");
		}
		return this.keys.authenticate(secret)
			.map(ApiKeyAuthentication::authenticated)
			.orElseThrow(() -> new BadCredentialsException("The API key is unknown, revoked or expired"));
	}

	@Override
	public boolean supports(Class<?> authentication) {
		return ApiKeyAuthentication.class.isAssignableFrom(authentication);
	}

}
