package dev.budgetledger.client;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.client.support.RunningService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What the API gained for holds that fit the work and for governance, through the client against the real service:
 * extend resizes a held reservation, a budget's allowedModels deny another model with MODEL_NOT_ALLOWED, and
 * maxHoldOutputTokens caps what a reservation holds when made.
 */
class ResizeAndAllowedModelsIntegrationTests {

	private final RunningService service = RunningService.get();

	private final BudgetLedgerClient client = this.service.adminClient();

	@Test
	void aHeldReservationGrowsAndShrinksAndTheBudgetHoldsWhatItHolds() {
		UUID budget = this.service.createBudget("5.00");
		// gpt-4o at 2.50 and 10.00 USD per million: 1000 in and 1000 out hold 0.0125
		Reservation hold = this.client.reserve(ReserveRequest.tokens(budget, "gpt-4o", 1000, 1000));
		assertThat(hold.amount()).isEqualByComparingTo("0.0125");

		Reservation grown = this.client.extend(hold.id(), ExtendRequest.maxOutputTokens(3000));
		assertThat(grown.held()).isTrue();
		assertThat(grown.maxOutputTokens()).isEqualTo(3000);
		assertThat(grown.amount()).isEqualTo(new BigDecimal("0.0325"));
		assertThat(grown.available()).isEqualTo(new BigDecimal("4.9675"));
		assertThat(this.client.budget(budget).reserved()).isEqualByComparingTo("0.0325");

		Reservation shrunk = this.client.extend(hold.id(),
				ExtendRequest.maxOutputTokens(100).withTtl(Duration.ofMinutes(30)));
		assertThat(shrunk.amount()).isEqualTo(new BigDecimal("0.0035"));
		assertThat(shrunk.expiresAt()).isAfter(hold.expiresAt());
		assertThat(this.client.budget(budget).reserved()).isEqualByComparingTo("0.0035");
		assertThat(this.client.extend(hold.id(), Duration.ofMinutes(40)).amount())
			.as("a ttl alone still only extends")
			.isEqualByComparingTo("0.0035");

		Reservation byAmount = this.client.reserve(ReserveRequest.amount(budget, new BigDecimal("1.00")));
		assertThat(this.client.extend(byAmount.id(), ExtendRequest.amount(new BigDecimal("2.50"))).amount())
			.isEqualByComparingTo("2.50");
		assertThat(this.client.extend(byAmount.id(), ExtendRequest.amount(new BigDecimal("0.25"))).amount())
			.isEqualByComparingTo("0.25");
		assertThat(this.client.budget(budget).reserved()).isEqualByComparingTo("0.2535");

		this.client.settle(hold.id(), SettleRequest.tokens(1000, 50));
		this.client.release(byAmount.id());
		assertThat(this.client.budget(budget).reserved()).isEqualByComparingTo("0");
	}

	@Test
	void aGrowthThatDoesNotFitIsDeniedAndLeavesTheHoldAsItWas() {
		UUID budget = this.service.createBudget("0.05");
		Reservation hold = this.client.reserve(ReserveRequest.tokens(budget, "gpt-4o", 1000, 1000));

		// 0.1025 in all: 0.09 more of the 0.0375 left
		assertThatExceptionOfType(BudgetDeniedException.class)
			.isThrownBy(() -> this.client.extend(hold.id(), ExtendRequest.maxOutputTokens(10000)))
			.satisfies(denied -> {
				assertThat(denied.reason()).isEqualTo("INSUFFICIENT_FUNDS");
				assertThat(denied.requested()).isEqualByComparingTo("0.09");
				assertThat(denied.available()).isEqualByComparingTo("0.0375");
			});
		Reservation after = this.client.reservation(hold.id());
		assertThat(after.amount()).isEqualByComparingTo("0.0125");
		assertThat(after.maxOutputTokens()).isEqualTo(1000);
		assertThat(this.client.budget(budget).reserved()).isEqualByComparingTo("0.0125");
		this.client.release(hold.id());
	}

	@Test
	void aBudgetWithAllowedModelsDeniesAnotherModelAndAPatchWidensAndRemovesTheList() {
		Budget created = this.client.createBudget(CreateBudgetRequest
			.of("java-models-" + UUID.randomUUID().toString().substring(0, 8), new BigDecimal("5.00"))
			.withAllowedModels(List.of("gpt-4o-mini"))
			.withMaxHoldOutputTokens(4000));
		assertThat(created.allowedModels()).containsExactly("gpt-4o-mini");
		assertThat(created.maxHoldOutputTokens()).isEqualTo(4000);
		assertThat(this.client.budget(created.id()).allowedModels()).containsExactly("gpt-4o-mini");

		assertThatExceptionOfType(BudgetDeniedException.class)
			.isThrownBy(() -> this.client.reserve(ReserveRequest.tokens(created.id(), "gpt-4o", 100, 100)))
			.satisfies(denied -> {
				assertThat(denied.reason()).isEqualTo("MODEL_NOT_ALLOWED");
				assertThat(denied.limitingBudgetId()).isEqualTo(created.id());
			});
		Reservation held = this.client.reserve(ReserveRequest.tokens(created.id(), "gpt-4o-mini", 100, 10000));
		assertThat(held.maxOutputTokens()).as("held at the budget's cap").isEqualTo(4000);
		assertThat(held.capped()).isTrue();
		assertThat(this.client.extend(held.id(), ExtendRequest.maxOutputTokens(10000)).maxOutputTokens())
			.as("and it may grow later")
			.isEqualTo(10000);
		this.client.release(held.id());
		assertThat(this.client.budget(created.id()).deniedCount()).isEqualTo(1);

		Budget widened = this.client.updateBudget(created.id(),
				BudgetPatch.create().allowedModels(List.of("gpt-4o-mini", "gpt-4o")).clearMaxHoldOutputTokens());
		assertThat(widened.allowedModels()).containsExactly("gpt-4o-mini", "gpt-4o");
		assertThat(widened.maxHoldOutputTokens()).isNull();
		this.client.release(this.client.reserve(ReserveRequest.tokens(created.id(), "gpt-4o", 100, 100)).id());
		Budget limited = this.client.updateBudget(created.id(), BudgetPatch.create().limit(new BigDecimal("6.00")));
		assertThat(limited.allowedModels()).as("left out of the patch: unchanged").hasSize(2);
		Budget opened = this.client.updateBudget(created.id(), BudgetPatch.create().clearAllowedModels());
		assertThat(opened.allowedModels()).isNull();
		assertThat(opened.limit()).isEqualByComparingTo("6.00");
		this.client.release(this.client.reserve(ReserveRequest.amount(created.id(), new BigDecimal("0.10"))).id());
	}

}
