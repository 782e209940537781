package dev.budgetledger.ledger.web;

import dev.budgetledger.shared.Cursors;
import dev.budgetledger.shared.PageResponse;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.budgetledger.idempotency.IdempotentExecutor;
import dev.budgetledger.idempotency.StoredResponse;
import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.errors.MergePatches;
import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetChanges;
import dev.budgetledger.budget.BudgetPeriods;
import dev.budgetledger.budget.BudgetPolicy;
import dev.budgetledger.budget.BudgetResponse;
import dev.budgetledger.budget.ChildTemplate;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.budget.Budgets;
import dev.budgetledger.ledger.BudgetAdministration;
import dev.budgetledger.budget.Mode;
import dev.budgetledger.budget.NewBudget;
import dev.budgetledger.budget.OverrunAction;
import dev.budgetledger.budget.OverrunPolicy;
import dev.budgetledger.budget.Period;
import dev.budgetledger.budget.RunAndMinuteCaps;
import dev.budgetledger.money.Amount;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.security.Caller;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
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
 * Budgets. Creating and changing them is for ADMIN keys (the security configuration sees
 * to that) and audited in the transaction of the change; a key bound to a budget sees
 * only its scope, and anything else as missing.
 */
@RestController
@RequestMapping(path = "/v1/budgets", produces = "application/json")
class BudgetController {

	/**
	 * No control characters, and no unpaired surrogates (no character at all; UTF-8 would
	 * store them as '?').
	 */
	static final String NAME_PATTERN = "^[^\\p{Cntrl}\\p{Cs}]*$";

	private static final ZoneId UTC = ZoneId.of("UTC");

	static final String ZONE_PATTERN = "^[A-Za-z0-9_+/-]{1,64}$";

	/** Most budgets a tree answer holds; bigger subtrees are paged with /children. */
	static final int MAX_TREE = 1000;

	private final BudgetAdministration administration;

	private final Budgets budgets;

	private final IdempotentExecutor idempotency;

	private final Requests requests;

	private final BudgetScope scope;

	private final BudgetPeriods periods;

	private final MergePatches patches;

	BudgetController(BudgetAdministration administration, Budgets budgets, IdempotentExecutor idempotency,
			Requests requests, BudgetScope scope, BudgetPeriods periods, MergePatches patches) {
		this.periods = periods;
		this.patches = patches;
		this.administration = administration;
		this.budgets = budgets;
		this.idempotency = idempotency;
		this.requests = requests;
		this.scope = scope;
	}

	@PostMapping(consumes = "application/json")
	ResponseEntity<String> create(
			@RequestHeader(name = IdempotentExecutor.HEADER, required = false) @Nullable String key,
			@Valid @RequestBody CreateBudgetRequest request, HttpServletRequest http,
			@AuthenticationPrincipal Caller caller) {
		NewBudget spec = spec(request);
		ChildTemplate template = template(request.childTemplate());
		return this.idempotency.execute(caller.sender(), key, "POST", http.getRequestURI(), request, () -> {
			Budget budget = this.administration.open(spec, template, caller.actor());
			return StoredResponse.created("/v1/budgets/" + budget.id(), BudgetResponse.of(budget));
		});
	}

	private NewBudget spec(CreateBudgetRequest request) {
		if (request.unit() != null && request.currency() != null && !request.unit().equals(request.currency())) {
			throw new InvalidRequestException("currency", "give unit or currency, not both");
		}
		String unit = (request.unit() != null) ? request.unit()
				: (request.currency() != null) ? request.currency() : "USD";
		if (!Budget.TOKENS.equals(unit)) {
			Requests.currency(unit);
		}
		ZoneId zone = zone(request.timezone());
		BudgetPolicy policy = new BudgetPolicy((request.mode() != null) ? request.mode() : Mode.HARD,
				(request.thresholds() != null) ? request.thresholds() : BudgetPolicy.DEFAULT_THRESHOLDS,
				request.downgradeAt(), request.maxAmountPerCall(), request.maxTokensPerCall(),
				request.maxCallsPerPeriod(), request.maxConcurrentHolds(),
				new OverrunPolicy(
						(request.maxOverrunRatio() != null) ? request.maxOverrunRatio()
								: OverrunPolicy.DEFAULT.maxRatio(),
						request.maxOverrun(),
						(request.overrunAction() != null) ? request.overrunAction() : OverrunPolicy.DEFAULT.action()),
				request.allowedModels(), request.maxHoldOutputTokens(), new RunAndMinuteCaps(request.maxCallsPerRun(),
						request.maxAmountPerRun(), request.maxRequestsPerMinute(), request.maxTokensPerMinute()));
		return new NewBudget(request.name(), request.parentId(), unit, request.limit(),
				(request.period() != null) ? request.period() : Period.NONE, zone,
				Boolean.TRUE.equals(request.rollover()), request.rolloverCap(), policy,
				this.requests.metadata(request.metadata()));
	}

	/**
	 * A child template as a create body without name and parent, read and checked as one
	 * (each error names its field under {@code childTemplate.}); null for none.
	 */
	private @Nullable ChildTemplate template(@Nullable JsonNode node) {
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isObject()) {
			throw new InvalidRequestException("childTemplate", "must be an object: a create body without name");
		}
		for (String field : List.of("name", "parentId", "childTemplate")) {
			if (node.has(field)) {
				throw new InvalidRequestException("childTemplate." + field,
						"is not part of a template: a child is named <parent name>/<subject>, under its parent");
			}
		}
		ObjectNode body = (ObjectNode) node.deepCopy();
		body.put("name", "template");
		try {
			return ChildTemplate.of(spec(this.patches.read(body, CreateBudgetRequest.class).request()));
		}
		catch (InvalidRequestException ex) {
			Object errors = ex.properties().get("errors");
			if (!(errors instanceof List<?> list)) {
				throw ex;
			}
			throw new InvalidRequestException(list.stream()
				.map(InvalidRequestException.FieldError.class::cast)
				.map(error -> new InvalidRequestException.FieldError("childTemplate." + error.field(), error.message()))
				.toList());
		}
	}

	private static ZoneId zone(@Nullable String timezone) {
		if (timezone == null) {
			return UTC;
		}
		try {
			return ZoneId.of(timezone);
		}
		catch (DateTimeException ex) {
			throw new InvalidRequestException("timezone", "must be an IANA time zone such as Europe/Paris");
		}
	}

	@GetMapping("/{id}")
	BudgetResponse get(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		return BudgetResponse.of(this.budgets.get(id), caller.scope());
	}

	/**
	 * Budgets the key may see, narrowed by exact name, parent and subject when given: a
	 * subject's budget is found by {@code parentId} and {@code subject}. Out of scope is
	 * left out, as missing is.
	 */
	@GetMapping
	PageResponse<BudgetResponse> list(@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor,
			@RequestParam(defaultValue = "false") boolean roots,
			@RequestParam(required = false) @Nullable @Size(min = 1, max = 200) String name,
			@RequestParam(required = false) @Nullable UUID parentId,
			@RequestParam(required = false) @Nullable @Size(min = 1, max = ChildTemplate.MAX_SUBJECT) @Pattern(
					regexp = ReservationController.SUBJECT_PATTERN) String subject,
			@AuthenticationPrincipal Caller caller) {
		return PageResponse.of(
				this.budgets.list(Cursors.decodeUuid(cursor), limit + 1, caller.scope(), roots,
						new Budgets.Filter(name, parentId, subject)),
				limit, budget -> BudgetResponse.of(budget, caller.scope()), Budget::id);
	}

	/**
	 * JSON merge patch: fields left out stay as they are; a cap set to null is removed.
	 */
	@PatchMapping(path = "/{id}", consumes = { "application/json", "application/merge-patch+json" })
	BudgetResponse update(@PathVariable UUID id, @RequestBody JsonNode patch, @AuthenticationPrincipal Caller caller) {
		BudgetChanges changes = changes(patch);
		// Replaced as a whole (null removes it), as metadata is; read from the tree, so
		// its figures stay the exact decimals sent.
		ChildTemplate template = changes.has("childTemplate") ? template(patch.get("childTemplate")) : null;
		return BudgetResponse.of(this.administration.update(id, changes, template, caller.actor()));
	}

	private BudgetChanges changes(JsonNode patch) {
		MergePatches.MergePatch<UpdateBudgetRequest> read = this.patches.read(patch, UpdateBudgetRequest.class);
		UpdateBudgetRequest request = read.request();
		Map<String, Object> metadata = (request.metadata() != null) ? this.requests.metadata(request.metadata()) : null;
		return new BudgetChanges(read.present(), request.name(), request.limit(), metadata, request.mode(),
				request.thresholds(), request.downgradeAt(), request.maxAmountPerCall(), request.maxTokensPerCall(),
				request.maxCallsPerPeriod(), request.maxConcurrentHolds(), request.rollover(), request.rolloverCap(),
				request.maxOverrunRatio(), request.maxOverrun(), request.overrunAction(), request.allowedModels(),
				request.maxHoldOutputTokens(), new RunAndMinuteCaps(request.maxCallsPerRun(), request.maxAmountPerRun(),
						request.maxRequestsPerMinute(), request.maxTokensPerMinute()));
	}

	/**
	 * The kill switch: every new reservation on this budget or below it is denied from
	 * now on.
	 */
	@PostMapping(path = "/{id}/freeze", consumes = "application/json")
	BudgetResponse freeze(@PathVariable UUID id, @Valid @RequestBody FreezeRequest request,
			@AuthenticationPrincipal Caller caller) {
		return BudgetResponse.of(this.administration.freeze(id, request.reason(), caller.actor()));
	}

	@PostMapping("/{id}/unfreeze")
	BudgetResponse unfreeze(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		return BudgetResponse.of(this.administration.unfreeze(id, caller.actor()));
	}

	/**
	 * Closes a budget: every new reservation on it or below it is denied (BUDGET_CLOSED)
	 * and no subject's child is made under it; holds already placed settle as before.
	 */
	@PostMapping("/{id}/close")
	BudgetResponse close(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		return BudgetResponse.of(this.administration.close(id, caller.actor()));
	}

	@PostMapping("/{id}/reopen")
	BudgetResponse reopen(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		return BudgetResponse.of(this.administration.reopen(id, caller.actor()));
	}

	@GetMapping("/{id}/children")
	PageResponse<BudgetResponse> children(@PathVariable UUID id,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		this.budgets.get(id);
		return PageResponse.of(this.budgets.children(id, Cursors.decodeUuid(cursor), limit + 1), limit,
				budget -> BudgetResponse.of(budget, caller.scope()), Budget::id);
	}

	/**
	 * The budget and everything below it, nested. Every reservation holds and charges on
	 * each ancestor of its budget, so each node's figures already include everything
	 * spent and held below it.
	 */
	@GetMapping("/{id}/tree")
	TreeNode tree(@PathVariable UUID id, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		this.budgets.get(id);
		List<Budget> subtree = this.budgets.subtree(id, MAX_TREE + 1);
		if (subtree.size() > MAX_TREE) {
			throw new InvalidRequestException("id",
					"the subtree has more than " + MAX_TREE + " budgets; page through it with /children");
		}
		Map<UUID, TreeNode> nodes = new LinkedHashMap<>();
		for (Budget budget : subtree) {
			TreeNode node = new TreeNode(BudgetResponse.of(budget, caller.scope()), new ArrayList<>());
			nodes.put(budget.id(), node);
			TreeNode parent = (budget.parentId() != null) ? nodes.get(budget.parentId()) : null;
			if (parent != null && !budget.id().equals(id)) {
				parent.children().add(node);
			}
		}
		return Objects.requireNonNull(nodes.get(id), "the subtree starts at its own root");
	}

	@GetMapping("/{id}/periods")
	PageResponse<PeriodResponse> periods(@PathVariable UUID id,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		Budget budget = this.budgets.get(id);
		Instant before = (cursor != null) ? Instant.EPOCH.plus(Cursors.decodeLong(cursor), ChronoUnit.MICROS) : null;
		boolean tokens = budget.countsTokens();
		return PageResponse.of(this.periods.list(id, before, limit + 1), limit, p -> PeriodResponse.of(p, tokens),
				p -> p.start().getEpochSecond() * 1_000_000 + p.start().getNano() / 1000);
	}

	record CreateBudgetRequest(@NotBlank @Size(max = 200) @Pattern(regexp = NAME_PATTERN) String name,
			@NotNull @Amount BigDecimal limit, @Nullable @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable @Pattern(regexp = "^([A-Z]{3}|TOKENS)$") String unit, @Nullable UUID parentId,
			@Nullable Period period, @Nullable @Pattern(regexp = ZONE_PATTERN) String timezone,
			@Nullable Boolean rollover, @Nullable @Amount BigDecimal rolloverCap, @Nullable Mode mode,
			@Nullable @Size(max = 10) List<@NotNull @DecimalMin(value = "0",
					inclusive = false) @DecimalMax("10") @Digits(integer = 2, fraction = 4) BigDecimal> thresholds,
			@Nullable @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") @Digits(integer = 1,
					fraction = 4) BigDecimal downgradeAt,
			@Nullable @Amount @DecimalMin(value = "0", inclusive = false) BigDecimal maxAmountPerCall,
			@Nullable @Min(1) @Max(ReservationController.MAX_TOKENS * 2) Long maxTokensPerCall,
			@Nullable @Min(1) @Max(1_000_000_000_000L) Long maxCallsPerPeriod,
			@Nullable @Min(1) @Max(1_000_000) Integer maxConcurrentHolds,
			@Nullable @DecimalMin("0") @DecimalMax("1000000") @Digits(integer = 7,
					fraction = 4) BigDecimal maxOverrunRatio,
			@Nullable @Amount BigDecimal maxOverrun, @Nullable OverrunAction overrunAction,
			@Nullable @Size(min = 1,
					max = 100) List<@NotNull @Pattern(
							regexp = ReservationController.MODEL_PATTERN) String> allowedModels,
			@Nullable @Min(1) @Max(ReservationController.MAX_TOKENS) Long maxHoldOutputTokens,
			@Nullable @Min(1) @Max(1_000_000_000_000L) Long maxCallsPerRun,
			@Nullable @Amount @DecimalMin(value = "0", inclusive = false) BigDecimal maxAmountPerRun,
			@Nullable @Min(1) @Max(1_000_000_000L) Long maxRequestsPerMinute,
			@Nullable @Min(1) @Max(1_000_000_000_000L) Long maxTokensPerMinute, @Nullable Map<String, Object> metadata,
			@Nullable JsonNode childTemplate) {
	}

	/**
	 * The fields a merge patch may change; unit, parent and period are fixed at creation.
	 */
	record UpdateBudgetRequest(@Nullable @Size(min = 1, max = 200) @Pattern(regexp = NAME_PATTERN) String name,
			@Nullable @Amount BigDecimal limit, @Nullable Boolean rollover, @Nullable @Amount BigDecimal rolloverCap,
			@Nullable Mode mode,
			@Nullable @Size(max = 10) List<@NotNull @DecimalMin(value = "0",
					inclusive = false) @DecimalMax("10") @Digits(integer = 2, fraction = 4) BigDecimal> thresholds,
			@Nullable @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") @Digits(integer = 1,
					fraction = 4) BigDecimal downgradeAt,
			@Nullable @Amount @DecimalMin(value = "0", inclusive = false) BigDecimal maxAmountPerCall,
			@Nullable @Min(1) @Max(ReservationController.MAX_TOKENS * 2) Long maxTokensPerCall,
			@Nullable @Min(1) @Max(1_000_000_000_000L) Long maxCallsPerPeriod,
			@Nullable @Min(1) @Max(1_000_000) Integer maxConcurrentHolds,
			@Nullable @DecimalMin("0") @DecimalMax("1000000") @Digits(integer = 7,
					fraction = 4) BigDecimal maxOverrunRatio,
			@Nullable @Amount BigDecimal maxOverrun, @Nullable OverrunAction overrunAction,
			@Nullable @Size(min = 1,
					max = 100) List<@NotNull @Pattern(
							regexp = ReservationController.MODEL_PATTERN) String> allowedModels,
			@Nullable @Min(1) @Max(ReservationController.MAX_TOKENS) Long maxHoldOutputTokens,
			@Nullable @Min(1) @Max(1_000_000_000_000L) Long maxCallsPerRun,
			@Nullable @Amount @DecimalMin(value = "0", inclusive = false) BigDecimal maxAmountPerRun,
			@Nullable @Min(1) @Max(1_000_000_000L) Long maxRequestsPerMinute,
			@Nullable @Min(1) @Max(1_000_000_000_000L) Long maxTokensPerMinute, @Nullable Map<String, Object> metadata,
			@Nullable JsonNode childTemplate) {
	}

	record FreezeRequest(@NotBlank @Size(max = 500) @Pattern(regexp = NAME_PATTERN) String reason) {
	}

	record TreeNode(BudgetResponse budget, List<TreeNode> children) {
	}

	record PeriodResponse(Instant start, Instant end, String limit, String carriedOver, String spent,
			String reservedAtClose, long calls, String carriedOut, Instant closedAt) {

		static PeriodResponse of(BudgetPeriods.ClosedPeriod p, boolean tokens) {
			return new PeriodResponse(p.start(), p.end(), Amounts.format(p.limit(), tokens),
					Amounts.format(p.carriedOver(), tokens), Amounts.format(p.spent(), tokens),
					Amounts.format(p.reservedAtClose(), tokens), p.calls(), Amounts.format(p.carriedOut(), tokens),
					p.closedAt());
		}

	}

}
