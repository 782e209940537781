package dev.budgetledger.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.budgetledger.errors.ProblemType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * The key lookup runs in the security filter chain, before Spring MVC: when the database
 * is unreachable there, the caller must get the same fast 503 problem (with Retry-After)
 * that a controller would answer, not a bare 500.
 */
class DatabaseFailureFilter extends OncePerRequestFilter {

	private final HandlerExceptionResolver resolver;

	private final ObjectProvider<GatewayErrorWriter> gateway;

	DatabaseFailureFilter(HandlerExceptionResolver resolver, ObjectProvider<GatewayErrorWriter> gateway) {
		this.resolver = resolver;
		this.gateway = gateway;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		try {
			chain.doFilter(request, response);
		}
		catch (DataAccessResourceFailureException | TransientDataAccessException
				| CannotCreateTransactionException ex) {
			if (response.isCommitted()) {
				throw ex;
			}
			GatewayErrorWriter writer = this.gateway.getIfAvailable();
			if (writer != null && writer.write(request, response, 503, ProblemType.SERVICE_UNAVAILABLE.code(),
					"budget-ledger cannot reach its database; the call was not made (retry later)")) {
				return;
			}
			this.resolver.resolveException(request, response, null, ex);
		}
	}

}
