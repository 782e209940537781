package dev.budgetledger.security.web;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.shared.Cursors;
import dev.budgetledger.shared.PageResponse;
import dev.budgetledger.security.ApiKey;
import dev.budgetledger.security.ApiKeys;
import dev.budgetledger.security.Caller;
import dev.budgetledger.security.Role;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admin-only (see the security configuration). The secret is in the answer to a create
 * and nowhere else, ever. Creating takes no Idempotency-Key on purpose: a stored response
 * would be the secret, stored in clear.
 */
@RestController
@RequestMapping(path = "/v1/api-keys", produces = "application/json")
class ApiKeyController {

	static final String NAME_PATTERN = "^[^\\p{Cntrl}\\p{Cs}]*$";

	private final ApiKeys keys;

	private final Budgets budgets;

	private final Clock clock;

	ApiKeyController(ApiKeys keys, Budgets budgets, Clock clock) {
		this.keys = keys;
		this.budgets = budgets;
		this.clock = clock;
	}

	@PostMapping(consumes = "application/json")
	ResponseEntity<CreatedKeyResponse> create(@Valid @RequestBody CreateKeyRequest request,
			@AuthenticationPrincipal Caller caller) {
		if (request.budgetId() != null && request.role() != Role.CLIENT) {
			throw new InvalidRequestException("budgetId", "only CLIENT keys can be bound to a budget");
		}
		if (request.expiresAt() != null && !request.expiresAt().isAfter(this.clock.instant())) {
			throw new InvalidRequestException("expiresAt", "must be in the future");
		}
		if (request.budgetId() != null) {
			// Budgets are never deleted, so it still exists when the key is inserted (and
			// a foreign key agrees).
			this.budgets.get(request.budgetId());
		}
		ApiKeys.Created created = this.keys.create(request.name(), request.role(), request.budgetId(),
				request.expiresAt(), caller.actor());
		ApiKey key = created.key();
		return ResponseEntity.created(URI.create("/v1/api-keys/" + key.id()))
			.body(new CreatedKeyResponse(key.id(), key.name(), key.role().name(), key.budgetId(), key.prefix(),
					key.status(this.clock.instant()).name(), key.createdAt(), key.expiresAt(), key.revokedAt(),
					created.secret()));
	}

	@GetMapping
	PageResponse<KeyResponse> list(@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor) {
		Instant now = this.clock.instant();
		return PageResponse.of(this.keys.list(Cursors.decodeUuid(cursor), limit + 1), limit,
				key -> KeyResponse.of(key, now), ApiKey::id);
	}

	/** The key the request came with: what the console asks to learn its role. */
	@GetMapping("/self")
	KeyResponse self(@AuthenticationPrincipal Caller caller) {
		return KeyResponse.of(this.keys.get(caller.keyId()), this.clock.instant());
	}

	@GetMapping("/{id}")
	KeyResponse get(@PathVariable UUID id) {
		return KeyResponse.of(this.keys.get(id), this.clock.instant());
	}

	/**
	 * Takes effect on the next request: keys are looked up on every request, never
	 * cached.
	 */
	@DeleteMapping("/{id}")
	ResponseEntity<Void> revoke(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		this.keys.revoke(id, caller.actor());
		return ResponseEntity.noContent().build();
	}

	record CreateKeyRequest(@NotBlank @Size(max = 200) @Pattern(regexp = NAME_PATTERN) String name, @NotNull Role role,
			@Nullable UUID budgetId, @Nullable Instant expiresAt) {
	}

	record KeyResponse(UUID id, String name, String role, @Nullable UUID budgetId, String prefix, String status,
			Instant createdAt, @Nullable Instant expiresAt, @Nullable Instant revokedAt) {

		static KeyResponse of(ApiKey key, Instant now) {
			return new KeyResponse(key.id(), key.name(), key.role().name(), key.budgetId(), key.prefix(),
					key.status(now).name(), key.createdAt(), key.expiresAt(), key.revokedAt());
		}

	}

	/** The only response that carries a secret. */
	record CreatedKeyResponse(UUID id, String name, String role, @Nullable UUID budgetId, String prefix, String status,
			Instant createdAt, @Nullable Instant expiresAt, @Nullable Instant revokedAt, String secret) {

		@Override
		public String toString() {
			return "CreatedKeyResponse[id=" + this.id + ", secret=[PROTECTED]]";
		}

	}

}
