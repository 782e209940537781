package dev.budgetledger.webhooks;

import java.util.List;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.errors.ProblemType;

/** A webhook URL whose host is internal (SSRF guard) or does not resolve. */
class WebhookTargetRefusedException extends ApiException {

	private final String reason;

	WebhookTargetRefusedException(String url, String reason) {
		super(ProblemType.WEBHOOK_TARGET_REFUSED, "url: refused because " + reason);
		this.reason = reason;
		with("errors", List.of(new InvalidRequestException.FieldError("url", "refused because " + reason)));
	}

	String reason() {
		return this.reason;
	}

}
