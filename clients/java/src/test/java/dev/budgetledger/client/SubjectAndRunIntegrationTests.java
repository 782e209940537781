package dev.budgetledger.client;

import java.math.BigDecimal;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.client.support.RunningService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Per-user budgets on demand and run caps, through the client against the real service: a reserve with a subject is
 * held on the subject's child, made from the parent's childTemplate on first use, and a run cap of 2 denies a run's
 * third call with RUN_CALL_LIMIT.
 */
class SubjectAndRunIntegrationTests {

	private final RunningService service = RunningService.get();

	private final BudgetLedgerClient client = this.service.adminClient();

	@Test
	void aSubjectsFirstReserveMakesItsChildFromTheTemplateAndTheNextUsesIt() {
		UUID parent = this.service.createBudgetFromJson("""
				{"name": "tenant-%s", "limit": "100", "childTemplate": {"limit": "0.25", "period": "DAILY"}}"""
			.formatted(UUID.randomUUID()));

		Reservation first = this.client
			.reserve(ReserveRequest.amount(parent, new BigDecimal("0.10")).withSubject("user-123"));
		Reservation second = this.client
			.reserve(ReserveRequest.amount(parent, new BigDecimal("0.10")).withSubject("user-123"));
		Reservation other = this.client
			.reserve(ReserveRequest.amount(parent, new BigDecimal("0.10")).withSubject("user-456"));

		assertThat(first.budgetId()).isNotEqualTo(parent).isEqualTo(second.budgetId()).isNotEqualTo(other.budgetId());
		Budget child = this.client.budget(first.budgetId());
		assertThat(child.parentId()).isEqualTo(parent);
		assertThat(child.limit()).isEqualByComparingTo("0.25");
		assertThat(child.reserved()).isEqualByComparingTo("0.20");
		assertThat(this.client.budget(parent).reserved()).isEqualByComparingTo("0.30");
		// the child's own limit: a third 0.10 does not fit in its 0.25
		assertThatExceptionOfType(BudgetDeniedException.class)
			.isThrownBy(() -> this.client
				.reserve(ReserveRequest.amount(parent, new BigDecimal("0.10")).withSubject("user-123")))
			.satisfies(denied -> {
				assertThat(denied.reason()).isEqualTo("INSUFFICIENT_FUNDS");
				assertThat(denied.limitingBudgetId()).isEqualTo(first.budgetId());
			});
	}

	@Test
	void aRunCapOfTwoDeniesTheRunsThirdCallWithRunCallLimit() {
		UUID budget = this.service.createBudgetFromJson("""
				{"name": "agent", "limit": "10", "maxCallsPerRun": 2}""");
		String run = "run-" + UUID.randomUUID();
		ReserveRequest call = ReserveRequest.amount(budget, new BigDecimal("0.01")).withRunId(run);

		this.client.reserve(call);
		this.client.reserve(call);

		assertThatExceptionOfType(BudgetDeniedException.class).isThrownBy(() -> this.client.reserve(call))
			.satisfies(denied -> {
				assertThat(denied.reason()).isEqualTo("RUN_CALL_LIMIT");
				assertThat(denied.limitingBudgetId()).isEqualTo(budget);
				assertThat(denied.problem()).containsEntry("runId", run);
			});
		// another run has its own two calls
		assertThat(this.client.reserve(call.withRunId("run-" + UUID.randomUUID())).decision()).isEqualTo("ALLOW");
		assertThat(this.client.budget(budget).heldCount()).isEqualTo(3);
	}

	@Test
	void aRequestBuiltWithTheOldConstructorHasNoSubjectOrRun() {
		UUID budget = UUID.randomUUID();
		ReserveRequest old = new ReserveRequest(budget, BigDecimal.ONE, null, null, null, null, null, null, null, null);

		assertThat(old.subject()).isNull();
		assertThat(old.runId()).isNull();
		assertThat(old.withSubject("user-1").withRunId("run-1").withTtlSeconds(60))
			.isEqualTo(new ReserveRequest(budget, BigDecimal.ONE, null, null, null, null, null, null, 60, null,
					"user-1", "run-1"));
	}

}
