package dev.budgetledger.webhooks;

import java.util.UUID;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;

class DeliveryNotFoundException extends ApiException {

	DeliveryNotFoundException(UUID webhookId, UUID deliveryId) {
		super(ProblemType.DELIVERY_NOT_FOUND, "No delivery " + deliveryId + " of webhook " + webhookId);
		with("deliveryId", deliveryId);
	}

}
