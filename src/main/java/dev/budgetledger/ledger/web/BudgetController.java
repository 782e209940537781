package dev.budgetledger.ledger.web;

import java.math.BigDecimal;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.audit.AuditLog;
import dev.budgetledger.idempotency.IdempotentExecutor;
import dev.budgetledger.idempotency.StoredResponse;
import dev.budgetledger.ledger.Budget;
import dev.budgetledger.ledger.BudgetScope;
import dev.budgetledger.ledger.Budgets;
import dev.budgetledger.ledger.JournalEntries;
import dev.budgetledger.ledger.JournalEntry;
import dev.budgetledger.ledger.Ledger;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.security.Caller;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Budgets. Creating and changing them is for ADMIN keys (the security configuration sees to that) and audited in
 * the transaction of the change; a key bound to a budget sees only its scope, and anything else as missing.
 */
@RestController
@RequestMapping(path = "/v1/budgets", produces = "application/json")
class BudgetController {

	static final String NAME_PATTERN = "^[^\\p{Cntrl}]*$";

	private final Ledger ledger;

	private final Budgets budgets;

	private final JournalEntries entries;

	private final IdempotentExecutor idempotency;

	private final Requests requests;

	private final BudgetScope scope;

	private final AuditLog audit;

	private final TransactionTemplate transactions;

	BudgetController(Ledger ledger, Budgets budgets, JournalEntries entries, IdempotentExecutor idempotency,
			Requests requests, BudgetScope scope, AuditLog audit, TransactionTemplate transactions) {
		this.ledger = ledger;
		this.budgets = budgets;
		this.entries = entries;
		this.idempotency = idempotency;
		this.requests = requests;
		this.scope = scope;
		this.audit = audit;
		this.transactions = transactions;
	}

	@PostMapping(consumes = "application/json")
	ResponseEntity<String> create(@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@Valid @RequestBody CreateBudgetRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		String currency = (request.currency() != null) ? request.currency() : "USD";
		Requests.currency(currency);
		Map<String, Object> metadata = this.requests.metadata(request.metadata());
		return this.idempotency.execute(caller.keyId(), key, "POST", http.getRequestURI(), request, () -> {
			Budget budget = this.ledger.openBudget(request.name(), request.limit(), currency, metadata);
			BudgetResponse created = BudgetResponse.of(budget);
			this.audit.record(caller.actor(), AuditAction.BUDGET_CREATE, budget.id().toString(), null, created);
			return StoredResponse.created("/v1/budgets/" + budget.id(), created);
		});
	}

	@GetMapping("/{id}")
	BudgetResponse get(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		return BudgetResponse.of(this.budgets.get(id));
	}

	@GetMapping
	PageResponse<BudgetResponse> list(@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor, @AuthenticationPrincipal Caller caller) {
		return PageResponse.of(this.budgets.list(Cursors.decodeUuid(cursor), limit + 1, caller.scope()), limit,
				BudgetResponse::of, Budget::id);
	}

	@PatchMapping(path = "/{id}", consumes = { "application/json", "application/merge-patch+json" })
	BudgetResponse update(@PathVariable UUID id, @Valid @RequestBody UpdateBudgetRequest request,
			@AuthenticationPrincipal Caller caller) {
		Map<String, Object> metadata = (request.metadata() != null) ? this.requests.metadata(request.metadata())
				: null;
		return this.transactions.execute(status -> {
			BudgetResponse before = BudgetResponse.of(this.budgets.getForUpdate(id));
			BudgetResponse after = BudgetResponse
				.of(this.ledger.updateBudget(id, request.name(), request.limit(), metadata));
			this.audit.record(caller.actor(), AuditAction.BUDGET_UPDATE, id.toString(), before, after);
			return after;
		});
	}

	@GetMapping("/{id}/entries")
	PageResponse<EntryResponse> entries(@PathVariable UUID id,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		this.budgets.get(id);
		return PageResponse.of(this.entries.list(id, Cursors.decodeLong(cursor), limit + 1), limit, EntryResponse::of,
				JournalEntry::id);
	}

	record CreateBudgetRequest(@NotBlank @Size(max = 200) @Pattern(regexp = NAME_PATTERN) String name,
			@NotNull @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.SCALE) BigDecimal limit,
			@Nullable @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable Map<String, Object> metadata) {
	}

	record UpdateBudgetRequest(@Nullable @Size(min = 1, max = 200) @Pattern(regexp = NAME_PATTERN) String name,
			@Nullable @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.SCALE) BigDecimal limit,
			@Nullable Map<String, Object> metadata) {
	}

}
