package dev.budgetledger.journal.web;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import dev.budgetledger.journal.Reconciliation;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The ledger's invariants, checked against the journal on demand (ADMIN). */
@RestController
class ReconciliationController {

	private final Reconciliation reconciliation;

	private final Clock clock;

	ReconciliationController(Reconciliation reconciliation, Clock clock) {
		this.reconciliation = reconciliation;
		this.clock = clock;
	}

	@GetMapping(path = "/v1/admin/reconciliation", produces = "application/json")
	ReconciliationResponse check() {
		Instant checkedAt = this.clock.instant();
		Reconciliation.Report report = this.reconciliation.run();
		return new ReconciliationResponse(report.ok(), checkedAt, report.checked(), report.discrepancies());
	}

	record ReconciliationResponse(boolean ok, Instant checkedAt, Reconciliation.Checked checked,
			List<Reconciliation.Discrepancy> discrepancies) {
	}

}
