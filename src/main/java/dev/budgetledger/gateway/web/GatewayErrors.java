package dev.budgetledger.gateway.web;

import java.io.IOException;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.budgetledger.security.GatewayErrorWriter;

import org.springframework.stereotype.Component;

/**
 * Errors raised before the gateway's controller runs (key, rate limit, database), in the
 * provider's shape.
 */
@Component
class GatewayErrors implements GatewayErrorWriter {

	private final OpenAiChat openai;

	private final AnthropicMessages anthropic;

	GatewayErrors(OpenAiChat openai, AnthropicMessages anthropic) {
		this.openai = openai;
		this.anthropic = anthropic;
	}

	@Override
	public boolean write(HttpServletRequest request, HttpServletResponse response, int status, String code,
			String message) throws IOException {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		Dialect dialect = path.startsWith("/openai/") ? this.openai
				: path.startsWith("/anthropic/") ? this.anthropic : null;
		if (dialect == null || response.isCommitted()) {
			return false;
		}
		String type = switch (status) {
			case 401 -> "authentication_error";
			case 403 -> "permission_error";
			case 429 -> "rate_limit_error";
			case 503 -> "api_error";
			default -> "invalid_request_error";
		};
		String ours = code.equals("SERVICE_UNAVAILABLE") ? "ledger_unavailable" : code.toLowerCase(Locale.ROOT);
		response.setStatus(status);
		response.setContentType("application/json");
		response.getOutputStream().write(dialect.error(type, ours, message));
		return true;
	}

}
