package dev.budgetledger.ledger.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.idempotency.IdempotentExecutor;
import dev.budgetledger.idempotency.StoredResponse;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.reservation.ChargeCommand;
import dev.budgetledger.reservation.Charged;
import dev.budgetledger.reservation.DirectCharge;
import dev.budgetledger.ledger.Ledger;
import dev.budgetledger.money.Amount;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.Pricing;
import dev.budgetledger.pricing.TokenPrice;
import dev.budgetledger.security.Caller;
import dev.budgetledger.security.ForbiddenException;
import dev.budgetledger.security.Role;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Direct charges: spend that already happened, booked on a budget without a hold
 * (docs/ledger.md). A CLIENT key books its own spend within its scope; anything outside
 * it is answered as a missing budget.
 */
@RestController
class ChargeController {

	private final Ledger ledger;

	private final Pricing pricing;

	private final IdempotentExecutor idempotency;

	private final Requests requests;

	private final BudgetScope scope;

	ChargeController(Ledger ledger, Pricing pricing, IdempotentExecutor idempotency, Requests requests,
			BudgetScope scope) {
		this.ledger = ledger;
		this.pricing = pricing;
		this.idempotency = idempotency;
		this.requests = requests;
		this.scope = scope;
	}

	@PostMapping(path = "/v1/budgets/{id}/charges", consumes = "application/json", produces = "application/json")
	ResponseEntity<String> charge(
			@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, @Valid @RequestBody ChargeRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		// Priced before the ledger's transaction, as a reserve is: the catalog runs under
		// its own (JPA) transactions.
		ChargeCommand command = command(id, request, caller, key);
		return this.idempotency.execute(caller.sender(), key, "POST", http.getRequestURI(), request, () -> {
			this.scope.requireBudgetBeforeLock(caller.scope(), id);
			Charged charged = this.ledger.charge(command, caller.scope());
			return StoredResponse.of(201, ChargeResponse.of(charged));
		});
	}

	private ChargeCommand command(UUID id, ChargeRequest request, Caller caller, @Nullable String key) {
		Requests.currency(request.currency());
		Map<String, Object> metadata = this.requests.metadata(request.metadata());
		boolean tokens = request.inputTokens() != null || request.outputTokens() != null
				|| request.cacheReadTokens() != null || request.cacheWriteTokens() != null
				|| request.reasoningTokens() != null;
		if ((request.amount() == null) == (request.model() == null)) {
			throw new InvalidRequestException("amount",
					"give either amount, or model with inputTokens and outputTokens (the catalog prices them)");
		}
		if ((request.model() != null || tokens) && (request.inputTokens() == null || request.outputTokens() == null)) {
			throw new InvalidRequestException((request.inputTokens() == null) ? "inputTokens" : "outputTokens",
					"is required with model or token counts");
		}
		Long inputTokens = request.inputTokens();
		Long outputTokens = request.outputTokens();
		TokenPrice.Usage usage = (tokens && inputTokens != null && outputTokens != null)
				? new TokenPrice.Usage(inputTokens, outputTokens, zero(request.cacheReadTokens()),
						zero(request.cacheWriteTokens()), zero(request.reasoningTokens()))
				: null;
		if (Boolean.TRUE.equals(request.allowOverrun()) && caller.role() != Role.ADMIN) {
			throw new ForbiddenException("Only an ADMIN key may charge beyond the overrun ceiling (allowOverrun)");
		}
		TokenPrice price = (request.model() != null) ? this.pricing.priceOf(request.model()) : null;
		// An ADMIN books anything (allowOverrun only says so); anyone else within the
		// chain's overrun policy.
		return new ChargeCommand(id, request.amount(), request.currency(), price, usage, request.reason(), metadata,
				caller.keyId(), key, caller.role() == Role.ADMIN);
	}

	private static long zero(@Nullable Long value) {
		return (value != null) ? value : 0L;
	}

	/**
	 * @param amount what was spent, in the tree's currency; or give {@code model} and the
	 * token counts
	 * @param inputTokens with {@code model}, priced from the catalog; with
	 * {@code amount}, counted on token budgets
	 */
	record ChargeRequest(@Nullable @Amount BigDecimal amount,
			@Nullable @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable @Pattern(regexp = ReservationController.MODEL_PATTERN) String model,
			@Nullable @Min(0) @Max(ReservationController.MAX_TOKENS) Long inputTokens,
			@Nullable @Min(0) @Max(ReservationController.MAX_TOKENS) Long outputTokens,
			@Nullable @Min(0) @Max(ReservationController.MAX_TOKENS) Long cacheReadTokens,
			@Nullable @Min(0) @Max(ReservationController.MAX_TOKENS) Long cacheWriteTokens,
			@Nullable @Min(0) @Max(ReservationController.MAX_TOKENS) Long reasoningTokens,
			@Nullable @Size(max = 500) @Pattern(regexp = BudgetController.NAME_PATTERN) String reason,
			@Nullable Map<String, Object> metadata, @Nullable Boolean allowOverrun) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record ChargeResponse(UUID id, UUID budgetId, String amount, String currency, @Nullable Long tokens,
			@Nullable String model, @Nullable Long inputTokens, @Nullable Long outputTokens,
			@Nullable Long cacheReadTokens, @Nullable Long cacheWriteTokens, @Nullable Long reasoningTokens,
			boolean overLimit, boolean capped, @Nullable String requested, @Nullable Long requestedTokens,
			String available, String unit, List<String> warnings, @Nullable String reason, Map<String, Object> metadata,
			Instant createdAt) {

		static ChargeResponse of(Charged charged) {
			DirectCharge c = charged.charge();
			TokenPrice.Usage usage = c.usage();
			return new ChargeResponse(c.id(), c.budgetId(), Amounts.format(c.amount()), c.currency(), c.tokens(),
					c.model(), (usage != null) ? usage.inputTokens() : null,
					(usage != null) ? usage.outputTokens() : null, (usage != null) ? usage.cacheReadTokens() : null,
					(usage != null) ? usage.cacheWriteTokens() : null, (usage != null) ? usage.reasoningTokens() : null,
					c.overLimit(), c.capped(),
					(c.capped()) ? Amounts.format(c.requested() != null ? c.requested() : c.amount()) : null,
					c.requestedTokens(), ReservationResponse.available(charged.available(), charged.unit()),
					charged.unit(), charged.warnings(), c.reason(), c.metadata(), c.createdAt());
		}

	}

}
