package dev.budgetledger.security;

import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.InvalidRequestException;

import org.springframework.beans.factory.ObjectProvider;
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
 * Security failures answered like every other error: as problem+json with a stable code,
 * written by the same {@code ProblemHandler} (through the MVC exception resolver, as the
 * body size filter does); on the gateway's paths, in the provider's shape
 * ({@link GatewayErrorWriter}).
 */
@Component
class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler, RequestRejectedHandler {

	private final HandlerExceptionResolver resolver;

	private final ObjectProvider<GatewayErrorWriter> gateway;

	SecurityProblems(@Qualifier("handlerExceptionResolver") HandlerExceptionResolver resolver,
			ObjectProvider<GatewayErrorWriter> gateway) {
		this.resolver = resolver;
		this.gateway = gateway;
	}

	/**
	 * No key (the request reached authorization anonymously), or a key that failed
	 * authentication.
	 */
	@Override
	public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException ex) {
		write(request, response, (ex instanceof InsufficientAuthenticationException)
				? UnauthenticatedException.missingKey() : UnauthenticatedException.invalidKey());
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException ex) {
		write(request, response, new ForbiddenException());
	}

	/**
	 * The firewall refused the URL (encoded slashes or percents, "..", control characters
	 * and the like).
	 */
	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException ex) {
		write(request, response, new InvalidRequestException("path", "contains characters that are not allowed"));
	}

	void write(HttpServletRequest request, HttpServletResponse response, ApiException problem) {
		GatewayErrorWriter writer = this.gateway.getIfAvailable();
		try {
			if (writer != null && writer.write(request, response, problem.problem().status().value(),
					problem.problem().code(), String.valueOf(problem.getMessage()))) {
				problem.headers().forEach(response::setHeader);
				return;
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.resolver.resolveException(request, response, null, problem);
	}

}
