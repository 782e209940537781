package dev.budgetledger.ledger.web;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.idempotency.IdempotentExecutor;
import dev.budgetledger.idempotency.StoredResponse;
import dev.budgetledger.ledger.BudgetScope;
import dev.budgetledger.ledger.Ledger;
import dev.budgetledger.ledger.ReserveCommand;
import dev.budgetledger.ledger.ReserveOutcome;
import dev.budgetledger.ledger.Reservations;
import dev.budgetledger.ledger.SettleCommand;
import dev.budgetledger.ledger.Settlement;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.Pricing;
import dev.budgetledger.pricing.TokenPrice;
import dev.budgetledger.security.Caller;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The two-phase hold, for CLIENT and ADMIN keys. A key bound to a budget acts only on reservations in its scope;
 * the check sits where the ledger would find a missing budget or reservation, so that anything out of scope is
 * answered exactly as if it did not exist.
 */
@RestController
@RequestMapping(path = "/v1/reservations", produces = "application/json")
class ReservationController {

	static final long MAX_TOKENS = 100_000_000L;

	static final String MODEL_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$";

	private final Ledger ledger;

	private final Reservations reservations;

	private final Pricing pricing;

	private final IdempotentExecutor idempotency;

	private final Requests requests;

	private final BudgetScope scope;

	ReservationController(Ledger ledger, Reservations reservations, Pricing pricing, IdempotentExecutor idempotency,
			Requests requests, BudgetScope scope) {
		this.ledger = ledger;
		this.reservations = reservations;
		this.pricing = pricing;
		this.idempotency = idempotency;
		this.requests = requests;
		this.scope = scope;
	}

	@PostMapping(consumes = "application/json")
	ResponseEntity<String> reserve(@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@Valid @RequestBody ReserveRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		ReserveCommand command = command(request);
		return this.idempotency.execute(caller.keyId(), key, "POST", http.getRequestURI(), request, () -> {
			this.scope.requireBudget(caller.scope(), command.budgetId());
			ReserveOutcome outcome = this.ledger.reserve(command);
			if (outcome instanceof ReserveOutcome.Allowed allowed) {
				return StoredResponse.created("/v1/reservations/" + allowed.reservation().id(),
						ReservationResponse.of(allowed.reservation(), "ALLOW", allowed.available()));
			}
			return StoredResponse.of(402, denial((ReserveOutcome.Denied) outcome));
		});
	}

	@GetMapping("/{id}")
	ReservationResponse get(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		this.scope.requireReservation(caller.scope(), id);
		return ReservationResponse.of(this.reservations.get(id), null, null);
	}

	@PostMapping(path = "/{id}/settle", consumes = "application/json")
	ResponseEntity<String> settle(@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, @Valid @RequestBody SettleRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		SettleCommand command = command(id, request);
		return this.idempotency.execute(caller.keyId(), key, "POST", http.getRequestURI(), request, () -> {
			this.scope.requireReservation(caller.scope(), id);
			return ok(this.ledger.settle(command));
		});
	}

	@PostMapping("/{id}/release")
	ResponseEntity<String> release(@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, HttpServletRequest http, @AuthenticationPrincipal Caller caller) {
		return this.idempotency.execute(caller.keyId(), key, "POST", http.getRequestURI(), null, () -> {
			this.scope.requireReservation(caller.scope(), id);
			return ok(this.ledger.release(id));
		});
	}

	@PostMapping(path = "/{id}/extend", consumes = "application/json")
	ResponseEntity<String> extend(@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, @Valid @RequestBody ExtendRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		var ttl = this.requests.ttl("ttlSeconds", request.ttlSeconds());
		return this.idempotency.execute(caller.keyId(), key, "POST", http.getRequestURI(), request, () -> {
			this.scope.requireReservation(caller.scope(), id);
			return ok(this.ledger.extend(id, ttl));
		});
	}

	private ReserveCommand command(ReserveRequest request) {
		Requests.currency(request.currency());
		var ttl = this.requests.ttl("ttlSeconds", request.ttlSeconds());
		Map<String, Object> metadata = this.requests.metadata(request.metadata());
		if ((request.amount() == null) == (request.model() == null)) {
			throw new InvalidRequestException("amount", "give either amount, or model with inputTokens and maxOutputTokens");
		}
		if (request.amount() != null) {
			if (request.inputTokens() != null || request.maxOutputTokens() != null) {
				throw new InvalidRequestException("inputTokens", "token counts go with model, not with amount");
			}
			return new ReserveCommand(request.budgetId(), request.amount(), request.currency(), null, null, null, ttl,
					metadata);
		}
		if (request.inputTokens() == null || request.maxOutputTokens() == null) {
			throw new InvalidRequestException((request.inputTokens() == null) ? "inputTokens" : "maxOutputTokens",
					"is required with model");
		}
		TokenPrice price = this.pricing.priceOf(request.model());
		if (request.currency() != null && !request.currency().equals(price.currency())) {
			throw new InvalidRequestException("currency", "the price of " + price.model() + " is in " + price.currency());
		}
		BigDecimal estimate = price.cost(request.inputTokens(), request.maxOutputTokens());
		if (estimate.signum() <= 0) {
			throw new InvalidRequestException("maxOutputTokens", "the estimate must be more than zero");
		}
		return new ReserveCommand(request.budgetId(), estimate, price.currency(), price, request.inputTokens(),
				request.maxOutputTokens(), ttl, metadata);
	}

	private static SettleCommand command(UUID id, SettleRequest request) {
		Requests.currency(request.currency());
		boolean tokens = request.inputTokens() != null || request.outputTokens() != null;
		if ((request.amount() == null) == !tokens) {
			throw new InvalidRequestException("amount", "give either amount, or inputTokens and outputTokens");
		}
		if (tokens && (request.inputTokens() == null || request.outputTokens() == null)) {
			throw new InvalidRequestException((request.inputTokens() == null) ? "inputTokens" : "outputTokens",
					"is required when settling with tokens");
		}
		return new SettleCommand(id, request.amount(), request.currency(), request.inputTokens(),
				request.outputTokens());
	}

	private static StoredResponse ok(Settlement settlement) {
		return StoredResponse.of(200, ReservationResponse.of(settlement.reservation(), null, settlement.available()));
	}

	private static Map<String, Object> denial(ReserveOutcome.Denied denied) {
		ProblemType type = ProblemType.RESERVATION_DENIED;
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", type.type().toString());
		body.put("title", type.title());
		body.put("status", type.status().value());
		body.put("detail", "Budget " + denied.budgetId() + " has " + Amounts.format(denied.available())
				+ " available, less than the " + Amounts.format(denied.requested()) + " requested");
		body.put("code", type.code());
		body.put("decision", "DENY");
		body.put("reason", denied.reason().name());
		body.put("budgetId", denied.budgetId());
		body.put("requested", Amounts.format(denied.requested()));
		body.put("available", Amounts.format(denied.available()));
		return body;
	}

	record ReserveRequest(@NotNull UUID budgetId,
			@Nullable @DecimalMin(value = "0", inclusive = false) @DecimalMax(Amounts.MAX) @Digits(
					integer = Amounts.MAX_INTEGER_DIGITS, fraction = Amounts.SCALE) BigDecimal amount,
			@Nullable @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable @Pattern(regexp = MODEL_PATTERN) String model,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long inputTokens, @Nullable @Min(0) @Max(MAX_TOKENS) Long maxOutputTokens,
			@Nullable Integer ttlSeconds, @Nullable Map<String, Object> metadata) {
	}

	record SettleRequest(
			@Nullable @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.SCALE) BigDecimal amount,
			@Nullable @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long inputTokens, @Nullable @Min(0) @Max(MAX_TOKENS) Long outputTokens) {
	}

	record ExtendRequest(@NotNull Integer ttlSeconds) {
	}

}
