package dev.budgetledger.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * A response as it is sent and, under an idempotency key, as it is replayed: status, JSON
 * body and the {@code Location} header if any.
 */
public record StoredResponse(int status, Object body, @Nullable String location) {

	public static StoredResponse of(int status, Object body) {
		return new StoredResponse(status, body, null);
	}

	public static StoredResponse created(String location, Object body) {
		return new StoredResponse(201, body, location);
	}

}
