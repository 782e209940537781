package dev.budgetledger.security;

import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * An API key as it may be shown: everything but the secret and its hash, which never
 * leave {@link ApiKeys}. This is also what the audit log records for key changes.
 *
 * @param prefix the first characters of the key, to recognise it (e.g. in a client's
 * configuration)
 */
public record ApiKey(UUID id, String name, Role role, @Nullable UUID budgetId, String prefix, Instant createdAt,
		@Nullable Instant expiresAt, @Nullable Instant revokedAt) {

	public Status status(Instant now) {
		if (this.revokedAt != null) {
			return Status.REVOKED;
		}
		if (this.expiresAt != null && !now.isBefore(this.expiresAt)) {
			return Status.EXPIRED;
		}
		return Status.ACTIVE;
	}

	public enum Status {

		ACTIVE, EXPIRED, REVOKED

	}

}
