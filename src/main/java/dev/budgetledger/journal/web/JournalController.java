package dev.budgetledger.journal.web;

import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.budget.Budgets;
import dev.budgetledger.journal.JournalEntries;
import dev.budgetledger.journal.JournalEntry;
import dev.budgetledger.reservation.BudgetScope;
import dev.budgetledger.security.Caller;
import dev.budgetledger.shared.Cursors;
import dev.budgetledger.shared.PageResponse;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A budget's journal, newest first, in pages (any key whose scope holds the budget). */
@RestController
class JournalController {

	private final JournalEntries entries;

	private final Budgets budgets;

	private final BudgetScope scope;

	JournalController(JournalEntries entries, Budgets budgets, BudgetScope scope) {
		this.entries = entries;
		this.budgets = budgets;
		this.scope = scope;
	}

	@GetMapping(path = "/v1/budgets/{id}/entries", produces = "application/json")
	PageResponse<EntryResponse> entries(@PathVariable UUID id,
			@RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit,
			@RequestParam(required = false) @Nullable String cursor, @AuthenticationPrincipal Caller caller) {
		this.scope.requireBudget(caller.scope(), id);
		boolean tokens = this.budgets.get(id).countsTokens();
		return PageResponse.of(this.entries.list(id, Cursors.decodeLong(cursor), limit + 1), limit,
				entry -> EntryResponse.of(entry, tokens), JournalEntry::id);
	}

}
