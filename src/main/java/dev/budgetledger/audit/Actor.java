package dev.budgetledger.audit;

import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * Who made a change: an API key (its id and its name at the time), or the service itself
 * ({@code keyId} null), e.g. when it creates the first admin key.
 */
public record Actor(@Nullable UUID keyId, String name) {

	public static Actor service(String what) {
		return new Actor(null, what);
	}

}
