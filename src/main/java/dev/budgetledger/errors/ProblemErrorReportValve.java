package dev.budgetledger.errors;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Errors Tomcat answers itself, before any filter or the application sees the request (a
 * header beyond the size limit, {@code %2F} or {@code %00} in the path, a request line it
 * cannot parse), as problem+json like every other error instead of Tomcat's HTML page.
 * They are all the client's fault with nothing more to say, so they are MALFORMED_REQUEST
 * (or NOT_FOUND / INTERNAL_ERROR by status); none of them reached the code that assigns
 * request ids, so the id is made here and sent in {@code X-Request-Id} as well. Installed
 * as the host's error report valve (config.TomcatConfiguration); public with a
 * no-argument constructor because Tomcat creates it by class name.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		ProblemType type = (status == 404) ? ProblemType.NOT_FOUND
				: (status < 500) ? ProblemType.MALFORMED_REQUEST : ProblemType.INTERNAL_ERROR;
		String requestId = UUID.randomUUID().toString();
		String detail = (status < 500) ? "The request could not be read (its request line, path or headers)."
				: "An unexpected error occurred.";
		try {
			response.setContentType("application/problem+json");
			response.setCharacterEncoding(StandardCharsets.UTF_8.name());
			response.setHeader("X-Request-Id", requestId);
			Writer writer = response.getReporter();
			if (writer != null) {
				// Every value is ours (no echo of the request), so no JSON escaping is
				// needed.
				writer.write("{\"type\":\"" + type.type() + "\",\"title\":\"" + type.title() + "\",\"status\":" + status
						+ ",\"detail\":\"" + detail + "\",\"code\":\"" + type.code() + "\",\"requestId\":\"" + requestId
						+ "\"}");
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException ex) {
			// The client is gone or the response was taken over; nothing more to tell it.
		}
	}

}
