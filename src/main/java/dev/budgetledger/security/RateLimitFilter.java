package dev.budgetledger.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Applies {@link RateLimiter} to every authenticated request, before it is authorized or
 * reaches a controller, so a limited key costs the service no database work. Not a bean:
 * it runs inside the security filter chain only.
 */
final class RateLimitFilter extends OncePerRequestFilter {

	private final RateLimiter limiter;

	private final SecurityProblems problems;

	RateLimitFilter(RateLimiter limiter, SecurityProblems problems) {
		this.limiter = limiter;
		this.problems = problems;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
			long retryAfter = this.limiter.acquire(caller.keyId());
			if (retryAfter > 0) {
				this.problems.write(request, response, new RateLimitedException(retryAfter));
				return;
			}
		}
		chain.doFilter(request, response);
	}

}
