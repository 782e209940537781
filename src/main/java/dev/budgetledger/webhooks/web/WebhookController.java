package dev.budgetledger.webhooks.web;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.budgetledger.errors.MergePatches;
import dev.budgetledger.shared.Cursors;
import dev.budgetledger.shared.PageResponse;
import dev.budgetledger.security.Caller;
import dev.budgetledger.webhooks.Delivery;
import dev.budgetledger.webhooks.Webhook;
import dev.budgetledger.webhooks.WebhookChanges;
import dev.budgetledger.webhooks.Webhooks;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Webhooks, admin-only (the security configuration's default). The signing secret is in
 * the answer to a create or a rotation and nowhere else; every change is audited (never
 * with the secret).
 */
@RestController
@RequestMapping(path = "/v1/webhooks", produces = "application/json")
class WebhookController {

	static final String TEXT_PATTERN = "^[^\\p{Cntrl}\\p{Cs}]*$";

	static final String FORMAT_PATTERN = "^(standard|slack)$";

	static final String STATUS_PATTERN = "^(PENDING|SUCCEEDED|FAILED|DEAD)$";

	private final Webhooks webhooks;

	private final MergePatches patches;

	WebhookController(Webhooks webhooks, MergePatches patches) {
		this.webhooks = webhooks;
		this.patches = patches;
	}

	@PostMapping(consumes = "application/json")
	ResponseEntity<CreatedWebhookResponse> create(@Valid @RequestBody CreateWebhookRequest request,
			@AuthenticationPrincipal Caller caller) {
		Webhooks.Created created = this.webhooks.create(request.url(), request.events(), request.budgetId(),
				request.format(), request.description(), caller.actor());
		Webhook w = created.webhook();
		return ResponseEntity.created(URI.create("/v1/webhooks/" + w.id()))
			.body(new CreatedWebhookResponse(w.id(), w.url(), w.events(), w.budgetId(), w.format(), w.enabled(),
					w.description(), w.createdAt(), w.updatedAt(), created.secret()));
	}

	@GetMapping
	PageResponse<Webhook> list(@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor) {
		return PageResponse.of(this.webhooks.list(Cursors.decodeUuid(cursor), limit + 1), limit, w -> w, Webhook::id);
	}

	@GetMapping("/{id}")
	Webhook get(@PathVariable UUID id) {
		return this.webhooks.get(id);
	}

	/**
	 * JSON merge patch: fields left out stay as they are; budgetId or description set to
	 * null are removed.
	 */
	@PatchMapping(path = "/{id}", consumes = { "application/json", "application/merge-patch+json" })
	Webhook update(@PathVariable UUID id, @RequestBody JsonNode patch, @AuthenticationPrincipal Caller caller) {
		MergePatches.MergePatch<UpdateWebhookRequest> read = this.patches.read(patch, UpdateWebhookRequest.class);
		UpdateWebhookRequest request = read.request();
		return this.webhooks.update(id, new WebhookChanges(read.present(), request.url(), request.events(),
				request.budgetId(), request.format(), request.enabled(), request.description()), caller.actor());
	}

	@DeleteMapping("/{id}")
	ResponseEntity<Void> delete(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		this.webhooks.delete(id, caller.actor());
		return ResponseEntity.noContent().build();
	}

	@PostMapping("/{id}/rotate-secret")
	RotatedSecretResponse rotateSecret(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		Webhooks.Rotated rotated = this.webhooks.rotateSecret(id, caller.actor());
		return new RotatedSecretResponse(rotated.secret(), rotated.previousSecretExpiresAt());
	}

	@GetMapping("/{id}/deliveries")
	PageResponse<DeliveryResponse> deliveries(@PathVariable UUID id,
			@RequestParam(required = false) @Nullable @Pattern(regexp = STATUS_PATTERN) String status,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor) {
		return PageResponse.of(this.webhooks.deliveries(id, status, Cursors.decodeLong(cursor), limit + 1), limit,
				DeliveryResponse::of, Delivery::seq);
	}

	@PostMapping("/{id}/deliveries/{deliveryId}/retry")
	ResponseEntity<DeliveryResponse> retry(@PathVariable UUID id, @PathVariable UUID deliveryId,
			@AuthenticationPrincipal Caller caller) {
		return ResponseEntity.status(HttpStatus.ACCEPTED)
			.body(DeliveryResponse.of(this.webhooks.retry(id, deliveryId, caller.actor())));
	}

	record CreateWebhookRequest(@NotBlank @Size(max = 2000) String url,
			@NotEmpty @Size(max = 20) List<@NotBlank @Size(max = 40) String> events, @Nullable UUID budgetId,
			@Nullable @Pattern(regexp = FORMAT_PATTERN) String format,
			@Nullable @Size(max = 500) @Pattern(regexp = TEXT_PATTERN) String description) {
	}

	/**
	 * Every field may be left out; null is refused (by the service) for the fields that
	 * cannot be removed.
	 */
	record UpdateWebhookRequest(@Nullable @Size(min = 1, max = 2000) String url,
			@Nullable @Size(min = 1, max = 20) List<@NotBlank @Size(max = 40) String> events, @Nullable UUID budgetId,
			@Nullable @Pattern(regexp = FORMAT_PATTERN) String format, @Nullable Boolean enabled,
			@Nullable @Size(max = 500) @Pattern(regexp = TEXT_PATTERN) String description) {
	}

	/** The only answer with the secret, besides a rotation's. */
	record CreatedWebhookResponse(UUID id, String url, List<String> events, @Nullable UUID budgetId, String format,
			boolean enabled, @Nullable String description, Instant createdAt, Instant updatedAt, String secret) {

		@Override
		public String toString() {
			return "CreatedWebhookResponse[id=" + this.id + ", secret=[PROTECTED]]";
		}

	}

	record RotatedSecretResponse(String secret, Instant previousSecretExpiresAt) {

		@Override
		public String toString() {
			return "RotatedSecretResponse[secret=[PROTECTED], previousSecretExpiresAt=" + this.previousSecretExpiresAt
					+ "]";
		}

	}

	record DeliveryResponse(UUID id, UUID eventId, String eventType, String status, int attempts,
			@Nullable Integer lastStatusCode, @Nullable String lastResponseBody, @Nullable String lastError,
			@Nullable Instant nextAttemptAt, Instant createdAt, @Nullable Instant deliveredAt) {

		static DeliveryResponse of(Delivery d) {
			return new DeliveryResponse(d.id(), d.eventId(), d.eventType(), d.status(), d.attempts(),
					d.lastStatusCode(), d.lastResponseBody(), d.lastError(), d.nextAttemptAt(), d.createdAt(),
					d.deliveredAt());
		}

	}

}
