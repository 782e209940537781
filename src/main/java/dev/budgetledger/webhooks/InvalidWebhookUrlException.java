package dev.budgetledger.webhooks;

import java.util.List;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.errors.ProblemType;

/** A webhook URL that is not an http(s) URL without credentials. */
class InvalidWebhookUrlException extends ApiException {

	InvalidWebhookUrlException(String message) {
		super(ProblemType.INVALID_WEBHOOK_URL, "url: " + message);
		with("errors", List.of(new InvalidRequestException.FieldError("url", message)));
	}

}
