package dev.budgetledger.security;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Reads {@code Authorization: Bearer <key>} (RFC 6750). No header, or another scheme, is
 * no key at all; a Bearer header without a usable token is a bad key. On the gateway's
 * Anthropic-compatible paths only, the key may also come as {@code x-api-key}, because
 * that is where the Anthropic SDKs put their api_key.
 */
final class BearerKeyConverter implements AuthenticationConverter {

	private static final String SCHEME = "Bearer ";

	static final String GATEWAY_KEY_HEADER = "x-api-key";

	@Override
	public @Nullable Authentication convert(HttpServletRequest request) {
		String header = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (header == null && isGateway(request)) {
			String key = request.getHeader(GATEWAY_KEY_HEADER);
			if (key == null) {
				return null;
			}
			if (key.isBlank()) {
				throw new BadCredentialsException("Empty x-api-key");
			}
			return ApiKeyAuthentication.presented(key.strip());
		}
		if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
			return null;
		}
		String token = header.substring(SCHEME.length()).strip();
		if (token.isEmpty()) {
			throw new BadCredentialsException("Empty bearer token");
		}
		return ApiKeyAuthentication.presented(token);
	}

	private static boolean isGateway(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return path.startsWith("/anthropic/") || path.startsWith("/openai/");
	}

}
