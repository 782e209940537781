package dev.budgetledger.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.InvalidRequestException;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Security failures answered like every other error: as problem+json with a stable code, written by the same
 * {@code ProblemHandler} (through the MVC exception resolver, as the body size filter does).
 */
@Component
class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler, RequestRejectedHandler {

	private final HandlerExceptionResolver resolver;

	SecurityProblems(@Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver) {
		this.resolver = resolver;
	}

	/** No key (the request reached authorization anonymously), or a key that failed authentication. */
	@Override
	public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException ex) {
		write(request, response, (ex instanceof InsufficientAuthenticationException)
				? UnauthenticatedException.missingKey() : UnauthenticatedException.invalidKey());
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException ex) {
		write(request, response, new ForbiddenException());
	}

	/** The firewall refused the URL (encoded slashes or percents, "..", control characters and the like). */
	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException ex) {
		write(request, response, new InvalidRequestException("path", "contains characters that are not allowed"));
	}

	void write(HttpServletRequest request, HttpServletResponse response, ApiException problem) {
		this.resolver.resolveException(request, response, null, problem);
	}

}
