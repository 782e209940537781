package dev.budgetledger.ledger.web;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.ledger.Ledger;
import dev.budgetledger.ledger.Subjects;
import dev.budgetledger.reservation.Reservation;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.security.Caller;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Dry runs: what a reservation would get now, holding nothing. */
@RestController
@RequestMapping(path = "/v1/decisions", produces = "application/json")
class DecisionController {

	private final Ledger ledger;

	private final Requests requests;

	private final BudgetScope scope;

	private final Subjects subjects;

	DecisionController(Ledger ledger, Requests requests, BudgetScope scope, Subjects subjects) {
		this.subjects = subjects;
		this.ledger = ledger;
		this.requests = requests;
		this.scope = scope;
	}

	@PostMapping(consumes = "application/json")
	ResponseEntity<DecisionResponse> decide(@Valid @RequestBody ReservationController.ReserveRequest request,
			@AuthenticationPrincipal Caller caller) {
		ReserveCommand command = this.requests.reserve(request);
		this.scope.requireBudget(caller.scope(), command.budgetId());
		String subject = request.subject();
		ReserveOutcome outcome = (subject != null)
				? this.subjects.decide(command, subject, caller.actor(), caller.scope())
				: this.ledger.decide(command, caller.scope());
		if (subject != null) {
			// The budget the reserve would be made on: the subject's child, or the parent
			// when none would be made (a closed parent).
			command = command.onBudget(outcomeBudget(outcome));
		}
		if (outcome instanceof ReserveOutcome.Allowed allowed) {
			Reservation r = allowed.reservation();
			return ResponseEntity.ok(new DecisionResponse("ALLOW", null, null, command.budgetId(), null, null,
					Amounts.format(r.amount()), r.tokens(), (r.price() != null) ? r.price().model() : null,
					r.requestedModel(), r.downgraded(), r.capped(), r.maxOutputTokens(),
					ReservationResponse.available(allowed.available(), allowed.unit()),
					allowed.warnings().isEmpty() ? null : allowed.warnings(), command.runId(), null));
		}
		ReserveOutcome.Denied denied = (ReserveOutcome.Denied) outcome;
		boolean tokens = "TOKENS".equals(denied.unit());
		// A budget above the caller's scope is not named, nor are its figures.
		boolean above = denied.limitedAbove();
		DecisionResponse body = new DecisionResponse("DENY", denied.reason().name(), above ? "ANCESTOR" : "BUDGET",
				command.budgetId(), above ? null : denied.limitingBudgetId(), denied.unit(),
				Amounts.format(denied.requested(), tokens), null, null, null, false, false, null,
				above ? null : Amounts.format(denied.available(), tokens), null, denied.runId(),
				denied.retryAfterSeconds());
		ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
		if (denied.retryAfterSeconds() != null) {
			answer.header(HttpHeaders.RETRY_AFTER, denied.retryAfterSeconds().toString());
		}
		return answer.body(body);
	}

	private static UUID outcomeBudget(ReserveOutcome outcome) {
		return (outcome instanceof ReserveOutcome.Allowed allowed) ? allowed.reservation().budgetId()
				: ((ReserveOutcome.Denied) outcome).budgetId();
	}

	/**
	 * @param unit on DENY, the limiting budget's unit
	 * @param amount on ALLOW the money that would be held; on DENY what the limiting
	 * budget was asked for, in its unit
	 * @param available what the budget would have left (ALLOW) or has (DENY, the limiting
	 * budget, unless it lies above the caller's scope)
	 * @param limitedBy on DENY, BUDGET when {@code limitingBudgetId} names the limiting
	 * budget, ANCESTOR when it lies above the caller's scope and is not named
	 * @param runId the run the request named, if any
	 * @param retryAfterSeconds on a minute window's DENY, seconds until the next window
	 * (also sent as {@code Retry-After})
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record DecisionResponse(String decision, @Nullable String reason, @Nullable String limitedBy, UUID budgetId,
			@Nullable UUID limitingBudgetId, @Nullable String unit, String amount, @Nullable Long tokens,
			@Nullable String model, @Nullable String requestedModel, boolean downgraded, boolean capped,
			@Nullable Long maxOutputTokens, @Nullable String available, @Nullable List<String> warnings,
			@Nullable String runId, @Nullable Long retryAfterSeconds) {
	}

}
