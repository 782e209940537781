package dev.budgetledger.tracing;

import java.io.IOException;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id before anything else runs (security, rate limits and body
 * limits included), so every log line and every problem+json body of the request can name
 * it. The id is the caller's {@value Correlation#HEADER} when it is a short token (a
 * gateway's request id), otherwise a new UUID; it is echoed in the response header. A
 * valid W3C {@code traceparent} adds its trace id.
 * <p>
 * This is all the tracing the service needs while it makes no outbound calls: Micrometer
 * Tracing would add spans and an exporter to ship them, but nothing downstream to
 * propagate them to. Add it when that changes (Spring Boot then puts its own
 * traceId/spanId in the MDC).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class CorrelationFilter extends OncePerRequestFilter {

	/**
	 * Visible, log-safe characters only: the id is written into log lines and JSON as it
	 * is.
	 */
	private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	/**
	 * version-traceid-parentid-flags (W3C Trace Context); an all-zero trace or parent id
	 * is invalid.
	 */
	private static final Pattern TRACEPARENT = Pattern
		.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String requestId = requestId(request.getHeader(Correlation.HEADER));
		String traceId = traceId(request.getHeader("traceparent"));
		MDC.put(Correlation.REQUEST_ID, requestId);
		if (traceId != null) {
			MDC.put(Correlation.TRACE_ID, traceId);
		}
		response.setHeader(Correlation.HEADER, requestId);
		try {
			chain.doFilter(request, response);
		}
		finally {
			MDC.remove(Correlation.REQUEST_ID);
			MDC.remove(Correlation.TRACE_ID);
		}
	}

	static String requestId(@Nullable String offered) {
		return (offered != null && REQUEST_ID.matcher(offered).matches()) ? offered : UUID.randomUUID().toString();
	}

	static @Nullable String traceId(@Nullable String traceparent) {
		if (traceparent == null) {
			return null;
		}
		Matcher matcher = TRACEPARENT.matcher(traceparent.trim());
		if (!matcher.matches() || matcher.group(1).equals("ff")
				|| (matcher.group(1).equals("00") && matcher.group(5) != null) || matcher.group(2).matches("0+")
				|| matcher.group(3).matches("0+")) {
			return null;
		}
		return matcher.group(2);
	}

}
