package dev.budgetledger.webhooks;

import java.util.List;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.errors.ProblemType;

/** A webhook subscribed to an event type the service does not emit. */
class UnknownEventTypeException extends ApiException {

	UnknownEventTypeException(String type) {
		super(ProblemType.UNKNOWN_EVENT_TYPE, "events: unknown event type " + type);
		with("errors", List.of(new InvalidRequestException.FieldError("events", "unknown event type " + type)));
	}

}
