package dev.budgetledger.security;

import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.idempotency.Sender;

/**
 * The API key a request was authenticated with; controllers receive it as their
 * {@code @AuthenticationPrincipal}. Never holds the secret.
 *
 * @param budgetId the budget whose subtree the key is bound to, or {@code null} for a key
 * that sees every budget
 */
public record Caller(UUID keyId, String name, Role role, @Nullable UUID budgetId) {

	/**
	 * The root of what this caller may see, for {@code BudgetScope}: null means
	 * everything.
	 */
	public @Nullable UUID scope() {
		return this.budgetId;
	}

	public Actor actor() {
		return new Actor(this.keyId, this.name);
	}

	/**
	 * This key as the sender of an idempotent request: its Idempotency-Keys live in its
	 * scope's key space.
	 */
	public Sender sender() {
		return Sender.of(this.keyId, this.role.name(), this.budgetId);
	}

}
