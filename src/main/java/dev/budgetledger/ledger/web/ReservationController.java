package dev.budgetledger.ledger.web;

import dev.budgetledger.shared.Cursors;
import dev.budgetledger.shared.PageResponse;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.idempotency.IdempotentExecutor;
import dev.budgetledger.idempotency.StoredResponse;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.reservation.ExtendOutcome;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.ledger.Ledger;
import dev.budgetledger.reservation.Reservation;
import dev.budgetledger.reservation.ReservationStatus;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.ledger.Coalescer;
import dev.budgetledger.ledger.Subjects;
import dev.budgetledger.budget.ChildTemplate;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.reservation.Reservations;
import dev.budgetledger.reservation.SettleCommand;
import dev.budgetledger.reservation.Settlement;
import dev.budgetledger.money.Amount;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.TokenPrice;
import dev.budgetledger.security.Caller;
import dev.budgetledger.security.ForbiddenException;
import dev.budgetledger.security.Role;
import dev.budgetledger.tracing.Correlation;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The two-phase hold, for CLIENT and ADMIN keys. A key bound to a budget acts only on
 * reservations in its scope; the check sits where the ledger would find a missing budget
 * or reservation, so that anything out of scope is answered exactly as if it did not
 * exist.
 */
@RestController
@RequestMapping(path = "/v1/reservations", produces = "application/json")
class ReservationController {

	static final long MAX_TOKENS = 100_000_000L;

	/**
	 * Model ids as providers and routers ship them: dated ({@code @20250929}) and
	 * prefixed ({@code openai/}).
	 */
	static final String MODEL_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$";

	/**
	 * A subject (an end user's id, say): printable characters only, none of them a
	 * control, format or unassigned character (NUL included), and no space at either end.
	 */
	static final String SUBJECT_PATTERN = "^[^\\p{C}\\p{Z}](?:[^\\p{C}]*[^\\p{C}\\p{Z}])?$";

	/**
	 * A run's name: 1 to 128 characters, none of them a control character (NUL included)
	 * or an unpaired surrogate.
	 */
	static final String RUN_PATTERN = "^[^\\p{Cntrl}\\p{Cs}]{1,128}$";

	private final Ledger ledger;

	private final Reservations reservations;

	private final IdempotentExecutor idempotency;

	private final Requests requests;

	private final BudgetScope scope;

	private final Budgets budgets;

	private final Coalescer coalescer;

	private final AuditLog audit;

	private final Subjects subjects;

	ReservationController(Ledger ledger, Reservations reservations, IdempotentExecutor idempotency, Requests requests,
			BudgetScope scope, Budgets budgets, Coalescer coalescer, AuditLog audit, Subjects subjects) {
		this.subjects = subjects;
		this.audit = audit;
		this.budgets = budgets;
		this.coalescer = coalescer;
		this.ledger = ledger;
		this.reservations = reservations;
		this.idempotency = idempotency;
		this.requests = requests;
		this.scope = scope;
	}

	@PostMapping(consumes = "application/json")
	ResponseEntity<String> reserve(
			@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@Valid @RequestBody ReserveRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		ReserveCommand command = this.requests.reserve(request).sentWith(caller.keyId(), key);
		String path = http.getRequestURI();
		// Out of scope is answered before the request joins a batch or locks anything:
		// another tenant's budget is
		// never locked, nor its batch disturbed, by a request that may not touch it.
		this.scope.requireBudgetBeforeLock(caller.scope(), command.budgetId());
		// A subject is served on its child of the budget named: a child already made is
		// locked as any leaf, in its tree's batch; one to be made, under the lock of its
		// parent's chain. Concurrent reserves and settles on one budget tree share one
		// locking transaction (Coalescer); the idempotency record of each commits in it.
		String subject = request.subject();
		UUID child = (subject != null) ? this.subjects.child(command.budgetId(), subject) : null;
		AtomicReference<Long> retryAfter = new AtomicReference<>();
		ResponseEntity<String> answer = this.coalescer.reserve((child != null) ? child : command.budgetId(),
				batch -> this.idempotency.executeInTransaction(caller.sender(), key, "POST", path, request, () -> {
					ReserveOutcome outcome = (subject != null)
							? this.subjects.reserve(batch, command, subject, child, caller.actor(), caller.scope())
							: batch.reserve(command, caller.scope());
					if (outcome instanceof ReserveOutcome.Denied denied) {
						retryAfter.set(denied.retryAfterSeconds());
					}
					return answer(outcome);
				}));
		return withRetryAfter(answer, retryAfter.get());
	}

	private static StoredResponse answer(ReserveOutcome outcome) {
		if (outcome instanceof ReserveOutcome.Allowed allowed) {
			return StoredResponse.created("/v1/reservations/" + allowed.reservation().id(),
					ReservationResponse.of(allowed.reservation(), "ALLOW",
							ReservationResponse.available(allowed.available(), allowed.unit()), allowed.warnings()));
		}
		return StoredResponse.of(402, denial((ReserveOutcome.Denied) outcome));
	}

	/**
	 * A minute window's DENY, answered now (not replayed), says in {@code Retry-After}
	 * when the next window starts; the body says it too ({@code retryAfterSeconds}).
	 */
	static ResponseEntity<String> withRetryAfter(ResponseEntity<String> answer, @Nullable Long seconds) {
		if (seconds == null) {
			return answer;
		}
		return ResponseEntity.status(answer.getStatusCode())
			.headers(answer.getHeaders())
			.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
			.body(answer.getBody());
	}

	/**
	 * Reservations made on a budget and below it, newest first; without a budget, all the
	 * caller may see (every tree for an unbound key, e.g. the console's live holds). A
	 * bound key sees only its own subtree.
	 */
	@GetMapping
	PageResponse<ReservationResponse> list(@RequestParam(required = false) @Nullable UUID budgetId,
			@RequestParam(required = false) @Nullable ReservationStatus status,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor, @AuthenticationPrincipal Caller caller) {
		UUID subtree = (budgetId != null) ? budgetId : caller.scope();
		if (subtree != null) {
			this.scope.requireBudget(caller.scope(), subtree);
			this.budgets.get(subtree);
		}
		return PageResponse.of(this.reservations.listSubtree(subtree, status, Cursors.decodeUuid(cursor), limit + 1),
				limit, ReservationResponse::of, Reservation::id);
	}

	@GetMapping("/{id}")
	ReservationResponse get(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		this.scope.requireReservation(caller.scope(), id);
		return ReservationResponse.of(this.reservations.get(id));
	}

	@PostMapping(path = "/{id}/settle", consumes = "application/json")
	ResponseEntity<String> settle(
			@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, @Valid @RequestBody SettleRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		SettleCommand command = command(id, request, caller);
		String path = http.getRequestURI();
		this.scope.requireReservationBeforeLock(caller.scope(), id);
		return this.coalescer.settle(id, batch -> this.idempotency.executeInTransaction(caller.sender(), key, "POST",
				path, request, () -> ok(batch.settle(command, caller.scope()))));
	}

	@PostMapping("/{id}/release")
	ResponseEntity<String> release(
			@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, HttpServletRequest http, @AuthenticationPrincipal Caller caller) {
		return this.idempotency.execute(caller.sender(), key, "POST", http.getRequestURI(), null, () -> {
			this.scope.requireReservation(caller.scope(), id);
			return ok(this.ledger.release(id));
		});
	}

	/**
	 * An ADMIN's correction of a settled reservation's charge, to {@code charged} (0
	 * reverses it), with a reason: journaled as ADJUST on every money budget of the
	 * chain, evented and audited in one transaction.
	 */
	@PostMapping(path = "/{id}/adjust", consumes = "application/json")
	ResponseEntity<String> adjust(
			@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, @Valid @RequestBody AdjustRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		return this.idempotency.execute(caller.sender(), key, "POST", http.getRequestURI(), request, () -> {
			ReservationResponse before = ReservationResponse.of(this.reservations.get(id));
			Ledger.Correction correction = this.ledger.adjust(id, request.charged(), request.reason());
			ReservationResponse after = ReservationResponse.of(correction.reservation());
			if (correction.changed()) {
				this.audit.record(caller.actor(), AuditAction.RESERVATION_ADJUST, id.toString(), before,
						Map.of("reservation", after, "reason", request.reason()));
			}
			return StoredResponse.of(200, after);
		});
	}

	@PostMapping(path = "/{id}/extend", consumes = "application/json")
	ResponseEntity<String> extend(
			@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@PathVariable UUID id, @Valid @RequestBody ExtendRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		if (request.ttlSeconds() == null && request.maxOutputTokens() == null && request.amount() == null) {
			throw new InvalidRequestException("ttlSeconds", "give ttlSeconds, maxOutputTokens or amount");
		}
		if (request.maxOutputTokens() != null && request.amount() != null) {
			throw new InvalidRequestException("amount", "give maxOutputTokens or amount, not both");
		}
		var ttl = (request.ttlSeconds() != null) ? this.requests.ttl("ttlSeconds", request.ttlSeconds()) : null;
		return this.idempotency.execute(caller.sender(), key, "POST", http.getRequestURI(), request, () -> {
			this.scope.requireReservation(caller.scope(), id);
			ExtendOutcome outcome = this.ledger.extend(id, ttl, request.maxOutputTokens(), request.amount(),
					caller.scope());
			if (outcome instanceof ExtendOutcome.Denied denied) {
				return StoredResponse.of(402, denial(denied.denial()));
			}
			return ok(((ExtendOutcome.Extended) outcome).settlement());
		});
	}

	private static SettleCommand command(UUID id, SettleRequest request, Caller caller) {
		Requests.currency(request.currency());
		boolean allowOverrun = Boolean.TRUE.equals(request.allowOverrun());
		if (allowOverrun && caller.role() != Role.ADMIN) {
			throw new ForbiddenException("Only an ADMIN key may settle beyond the overrun ceiling (allowOverrun)");
		}
		boolean tokens = request.inputTokens() != null || request.outputTokens() != null
				|| request.cacheReadTokens() != null || request.cacheWriteTokens() != null
				|| request.reasoningTokens() != null;
		if ((request.amount() == null) == !tokens) {
			throw new InvalidRequestException("amount", "give either amount, or inputTokens and outputTokens");
		}
		if (tokens && (request.inputTokens() == null || request.outputTokens() == null)) {
			throw new InvalidRequestException((request.inputTokens() == null) ? "inputTokens" : "outputTokens",
					"is required when settling with tokens");
		}
		Long inputTokens = request.inputTokens();
		Long outputTokens = request.outputTokens();
		TokenPrice.Usage usage = (tokens && inputTokens != null && outputTokens != null)
				? new TokenPrice.Usage(inputTokens, outputTokens, zero(request.cacheReadTokens()),
						zero(request.cacheWriteTokens()), zero(request.reasoningTokens()))
				: null;
		return new SettleCommand(id, request.amount(), request.currency(), usage, allowOverrun);
	}

	private static long zero(@Nullable Long value) {
		return (value != null) ? value : 0L;
	}

	private static StoredResponse ok(Settlement settlement) {
		return StoredResponse.of(200, ReservationResponse.of(settlement.reservation(), null,
				ReservationResponse.available(settlement.available(), settlement.unit()), settlement.warnings()));
	}

	static Map<String, Object> denial(ReserveOutcome.Denied denied) {
		ProblemType type = ProblemType.RESERVATION_DENIED;
		boolean tokens = "TOKENS".equals(denied.unit());
		String requested = Amounts.format(denied.requested(), tokens);
		String available = Amounts.format(denied.available(), tokens);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", type.type().toString());
		body.put("title", type.title());
		body.put("status", type.status().value());
		// A budget above the caller's scope is not named, nor are its figures: "an
		// ancestor" is all it learns.
		boolean above = denied.limitedAbove();
		String limiting = above ? "An ancestor of budget " + denied.budgetId() : "Budget " + denied.limitingBudgetId();
		body.put("detail", switch (denied.reason()) {
			case BUDGET_CLOSED -> limiting + " is closed";
			case BUDGET_FROZEN -> limiting + " is frozen";
			case MODEL_NOT_ALLOWED -> limiting + " does not allow this model (allowedModels), nor any of its fallbacks";
			case PER_CALL_LIMIT -> "The call asks for more than "
					+ (above ? "an ancestor of budget " + denied.budgetId() : "budget " + denied.limitingBudgetId())
					+ " allows per call";
			case CONCURRENCY_LIMIT -> limiting + " has as many holds as it allows at once";
			case CALL_LIMIT -> limiting + " has allowed as many calls as it allows this period";
			case RUN_CALL_LIMIT -> limiting + " has allowed as many calls as it allows run " + denied.runId();
			case REQUEST_RATE_LIMIT -> limiting + " has allowed as many requests as it allows this minute; retry after "
					+ denied.retryAfterSeconds() + " s";
			case RUN_AMOUNT_LIMIT -> above
					? "Run " + denied.runId() + " would exceed what " + limiting + " allows per run with the "
							+ requested + " " + denied.unit() + " requested"
					: "Run " + denied.runId() + " has " + available + " " + denied.unit() + " left of what "
							+ limiting.toLowerCase(Locale.ROOT) + " allows per run, less than the " + requested
							+ " requested";
			case TOKEN_RATE_LIMIT -> (denied.retryAfterSeconds() != null)
					? limiting + " has held as many tokens as it allows this minute; retry after "
							+ denied.retryAfterSeconds() + " s"
					: "The call holds more tokens than " + limiting.toLowerCase(Locale.ROOT)
							+ " allows in a whole minute";
			case INSUFFICIENT_FUNDS ->
				above ? limiting + " has less available than the " + requested + " " + denied.unit() + " requested"
						: limiting + " has " + available + " " + denied.unit() + " available, less than the "
								+ requested + " requested";
		});
		body.put("code", type.code());
		body.put("decision", "DENY");
		body.put("reason", denied.reason().name());
		body.put("budgetId", denied.budgetId());
		body.put("limitedBy", above ? "ANCESTOR" : "BUDGET");
		if (!above) {
			body.put("limitingBudgetId", denied.limitingBudgetId());
		}
		body.put("unit", denied.unit());
		body.put("requested", requested);
		if (!above) {
			body.put("available", available);
		}
		if (denied.runId() != null) {
			body.put("runId", denied.runId());
		}
		if (denied.retryAfterSeconds() != null) {
			body.put("retryAfterSeconds", denied.retryAfterSeconds());
		}
		body.putAll(Correlation.current());
		return body;
	}

	record ReserveRequest(@NotNull UUID budgetId,
			@Nullable @Amount @DecimalMin(value = "0", inclusive = false) BigDecimal amount,
			@Nullable @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable @Pattern(regexp = MODEL_PATTERN) String model,
			@Nullable @Size(max = 5) List<@NotNull @Pattern(regexp = MODEL_PATTERN) String> fallbackModels,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long inputTokens,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long maxOutputTokens,
			@Nullable @Min(1) @Max(MAX_TOKENS) Long minOutputTokens, @Nullable Integer ttlSeconds,
			@Nullable Map<String, Object> metadata,
			@Nullable @Size(min = 1, max = ChildTemplate.MAX_SUBJECT) @Pattern(regexp = SUBJECT_PATTERN) String subject,
			@Nullable @Pattern(regexp = RUN_PATTERN) String runId) {
	}

	record SettleRequest(@Nullable @Amount BigDecimal amount,
			@Nullable @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long inputTokens, @Nullable @Min(0) @Max(MAX_TOKENS) Long outputTokens,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long cacheReadTokens,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long cacheWriteTokens,
			@Nullable @Min(0) @Max(MAX_TOKENS) Long reasoningTokens, @Nullable Boolean allowOverrun) {
	}

	/**
	 * @param maxOutputTokens the output tokens a hold priced by model holds from now on
	 * (more: a growth, decided like a reserve of the difference; fewer: a shrink, which
	 * gives the difference back)
	 * @param amount the same for a hold by amount
	 */
	record ExtendRequest(@Nullable Integer ttlSeconds, @Nullable @Min(0) @Max(MAX_TOKENS) Long maxOutputTokens,
			@Nullable @Amount @DecimalMin(value = "0", inclusive = false) BigDecimal amount) {
	}

	/**
	 * @param charged what the reservation should cost in all, after the correction; 0
	 * reverses the charge
	 */
	record AdjustRequest(@NotNull @Amount BigDecimal charged,
			@NotBlank @Size(max = 500) @Pattern(regexp = BudgetController.NAME_PATTERN) String reason) {
	}

}
