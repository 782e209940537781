package dev.budgetledger.tracing;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.MDC;

/**
 * The identifiers of the request being served, as {@link CorrelationFilter} put them in
 * the logging MDC: what error bodies carry so that a caller's bug report leads straight
 * to the log lines of that request.
 */
public final class Correlation {

	/**
	 * MDC key and problem property: this request's id, echoed in the {@value #HEADER}
	 * response header.
	 */
	public static final String REQUEST_ID = "requestId";

	/**
	 * MDC key and problem property: the trace id of the caller's W3C {@code traceparent},
	 * if it sent one.
	 */
	public static final String TRACE_ID = "traceId";

	/** Request and response header carrying the request id. */
	public static final String HEADER = "X-Request-Id";

	private Correlation() {
	}

	/**
	 * The ids of the current request, to add to an error body; empty outside a request.
	 */
	public static Map<String, String> current() {
		Map<String, String> ids = new LinkedHashMap<>();
		String requestId = MDC.get(REQUEST_ID);
		if (requestId != null) {
			ids.put(REQUEST_ID, requestId);
		}
		String traceId = MDC.get(TRACE_ID);
		if (traceId != null) {
			ids.put(TRACE_ID, traceId);
		}
		return ids;
	}

}
