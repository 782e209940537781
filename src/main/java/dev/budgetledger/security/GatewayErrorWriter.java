package dev.budgetledger.security;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Writes the errors this package raises before any controller runs (no key, a bad key,
 * the database unreachable during the key lookup) in an LLM provider's own error shape,
 * for the gateway's paths, so an SDK pointed at the gateway raises its normal API error.
 * The gateway implements it; without one, every error is problem+json.
 */
public interface GatewayErrorWriter {

	/**
	 * @param code the problem's stable code ({@code UNAUTHENTICATED},
	 * {@code SERVICE_UNAVAILABLE}, ...)
	 * @return whether {@code request} is a gateway request, and the error was written
	 */
	boolean write(HttpServletRequest request, HttpServletResponse response, int status, String code, String message)
			throws IOException;

}
