package dev.budgetledger.gateway.web;

/**
 * A gateway request the gateway cannot guard (no model, no messages, bad JSON): 400 in
 * the provider's shape.
 */
final class GatewayRequestException extends RuntimeException {

	GatewayRequestException(String field, String problem) {
		super(field + " " + problem, null, false, false);
	}

}
