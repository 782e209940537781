package dev.budgetledger.webhooks;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

class WebhookNotFoundException extends ApiException {

	WebhookNotFoundException(UUID id) {
		super(ProblemType.WEBHOOK_NOT_FOUND, "No webhook " + id);
		with("webhookId", id);
	}

}
