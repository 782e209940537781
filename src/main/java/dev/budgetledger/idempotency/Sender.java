package dev.budgetledger.idempotency;

import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * Who sent an idempotent request: the API key, and the key space its Idempotency-Keys
 * live in.
 * <p>
 * The space is what the key may act for, not the key itself: the budget a key is bound
 * to, or for an unbound key its role. Every key of one scope shares it, so the new key of
 * a rotation (both keys work during the overlap) replays a retry the old key began; a
 * replay is always of a request the replaying key could have sent, as it may act for the
 * same scope. Keys bound to different budgets never share a space, however they are
 * nested. The migration {@code V16__idempotency_key_spaces.sql} computes the same value
 * for stored keys.
 *
 * @param apiKeyId the API key the request was authenticated with
 * @param keySpace the scope's budget id, or {@code ADMIN} / {@code CLIENT} for unbound
 * keys
 */
public record Sender(UUID apiKeyId, String keySpace) {

	/**
	 * The sender of a request authenticated with {@code apiKeyId}.
	 * @param role the key's role ({@code ADMIN} or {@code CLIENT})
	 * @param budgetId the budget the key is bound to, or {@code null}
	 */
	public static Sender of(UUID apiKeyId, String role, @Nullable UUID budgetId) {
		return new Sender(apiKeyId, (budgetId != null) ? budgetId.toString() : role);
	}

}
