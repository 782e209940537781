package dev.budgetledger.reservation;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetPeriod;
import dev.budgetledger.budget.BudgetPolicy;
import dev.budgetledger.budget.CurrencyMismatchException;
import dev.budgetledger.budget.Mode;
import dev.budgetledger.budget.OverrunPolicy;
import dev.budgetledger.budget.Period;
import dev.budgetledger.budget.RunAndMinuteCaps;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.pricing.TokenPrice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The decision rules, without a database. */
class DeciderTests {

	private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

	private static Budget budget(String unit, String limit, String spent, String reserved, BudgetPolicy policy,
			BigDecimal carriedOver, boolean frozen) {
		UUID id = UUID.randomUUID();
		return new Budget(id, "b", null, id, 0, List.of(id), unit, new BigDecimal(limit), new BigDecimal(spent),
				new BigDecimal(reserved), 0, 0, 0, frozen ? "FROZEN" : "ACTIVE", frozen ? "why" : null, null,
				new BudgetPeriod(Period.NONE, ZoneOffset.UTC, null, false, null, carriedOver), policy, Map.of(), NOW,
				NOW);
	}

	private static BudgetPolicy hard() {
		return new BudgetPolicy(Mode.HARD, BudgetPolicy.DEFAULT_THRESHOLDS, null, null, null, null, null);
	}

	private static Budget usd(String limit, String spent) {
		return budget("USD", limit, spent, "0", hard(), BigDecimal.ZERO, false);
	}

	private static Ask amount(String amount) {
		return new Ask("USD", List.of(Ask.Option.amount(new BigDecimal(amount))), null);
	}

	@Test
	void exactlyWhatIsAvailableFits() {
		assertThat(Decider.decide(List.of(usd("1", "0.7")), amount("0.3"))).isInstanceOf(Decider.Allow.class);
		Decider.Decision denied = Decider.decide(List.of(usd("1", "0.7")), amount("0.300000000000000001"));
		assertThat(((Decider.Deny) denied).reason()).isEqualTo(DenyReason.INSUFFICIENT_FUNDS);
	}

	@Test
	void theRootMostFrozenBudgetIsNamedFirst() {
		Budget root = budget("USD", "10", "0", "0", hard(), BigDecimal.ZERO, true);
		Budget leaf = budget("USD", "1", "5", "0", hard(), BigDecimal.ZERO, true);

		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(root, leaf), amount("0.5"));

		assertThat(deny.reason()).isEqualTo(DenyReason.BUDGET_FROZEN);
		assertThat(deny.limitingBudgetId()).isEqualTo(root.id());
	}

	/** The same budget, closed now. */
	private static Budget closed(Budget b) {
		return new Budget(b.id(), b.name(), b.parentId(), b.rootId(), b.depth(), b.ancestors(), b.unit(), b.limit(),
				b.spent(), b.reserved(), b.heldCount(), b.callsInPeriod(), b.deniedCount(), b.status(),
				b.frozenReason(), b.frozenAt(), b.period(), b.policy(), b.metadata(), b.createdAt(), b.updatedAt(),
				b.subject(), NOW, b.childTemplate());
	}

	@Test
	void aClosedBudgetAnywhereInTheChainDeniesBeforeAnythingElse() {
		Budget root = closed(usd("10", "0"));
		Budget leaf = budget("USD", "1", "5", "0", hard(), BigDecimal.ZERO, true);

		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(root, leaf), amount("0.5"));
		Decider.Deny own = (Decider.Deny) Decider.decide(List.of(usd("10", "0"), closed(usd("10", "0"))),
				amount("0.5"));

		assertThat(deny.reason()).isEqualTo(DenyReason.BUDGET_CLOSED);
		assertThat(deny.limitingBudgetId()).isEqualTo(root.id());
		assertThat(own.reason()).isEqualTo(DenyReason.BUDGET_CLOSED);
	}

	@Test
	void aHeldReservationOnAClosedBudgetMayShrinkButNotGrow() {
		TokenPrice price = new TokenPrice("m", "USD", new BigDecimal("1"), new BigDecimal("10"));
		Ask.Option held = Ask.Option.priced(price, 1000, 1000);
		Budget budget = closed(usd("10", "0"));

		Decider.Decision grow = Decider.resize(List.of(budget), held, Ask.Option.priced(price, 1000, 2000));
		Decider.Decision shrink = Decider.resize(List.of(budget), held, Ask.Option.priced(price, 1000, 10));

		assertThat(((Decider.Deny) grow).reason()).isEqualTo(DenyReason.BUDGET_CLOSED);
		assertThat(shrink).isInstanceOf(Decider.Allow.class);
	}

	@Test
	void carriedOverBudgetAddsToTheLimit() {
		Budget rolled = budget("USD", "10", "10", "0", hard(), new BigDecimal("2"), false);

		assertThat(Decider.decide(List.of(rolled), amount("2"))).isInstanceOf(Decider.Allow.class);
	}

	@Test
	void aMoneyBudgetInAnotherCurrencyIsAnError() {
		assertThatThrownBy(() -> Decider.decide(List.of(budget("EUR", "1", "0", "0", hard(), BigDecimal.ZERO, false)),
				amount("0.1")))
			.isInstanceOf(CurrencyMismatchException.class);
	}

	@Test
	void thresholdsAreCrossedOnlyUpwardsAndOnlyOnce() {
		Budget b = usd("10", "0");

		List<Decider.Crossing> crossed = Decider.crossings(b, new BigDecimal("4"), new BigDecimal("9.5"));

		assertThat(crossed).extracting(Decider.Crossing::threshold)
			.containsExactly(new BigDecimal("0.5"), new BigDecimal("0.8"), new BigDecimal("0.95"));
		assertThat(Decider.crossings(b, new BigDecimal("9.5"), new BigDecimal("4"))).isEmpty();
		assertThat(Decider.crossings(b, new BigDecimal("5"), new BigDecimal("6"))).isEmpty();
	}

	@Test
	void aCappedOptionUsesEveryTokenThatFitsAndNoMore() {
		TokenPrice price = new TokenPrice("m", "USD", BigDecimal.ONE, BigDecimal.TEN);
		Ask ask = new Ask("USD", List.of(Ask.Option.priced(price, 1000, 2000)), 100L);

		Decider.Allow allow = (Decider.Allow) Decider.decide(List.of(usd("0.0060009", "0")), ask);

		assertThat(allow.capped()).isTrue();
		assertThat(allow.chosen().maxOutputTokens()).isEqualTo(500);
		assertThat(allow.chosen().amount()).isEqualByComparingTo("0.006");
	}

	@Test
	void thresholdWarningsNameThePercent() {
		assertThat(Decider.thresholdWarning(new BigDecimal("0.95"))).isEqualTo("THRESHOLD_95");
		assertThat(Decider.thresholdWarning(BigDecimal.ONE)).isEqualTo("THRESHOLD_100");
		assertThat(Decider.thresholdWarning(new BigDecimal("0.333"))).isEqualTo("THRESHOLD_33.3");
	}

	private static BudgetPolicy allowing(String... models) {
		return new BudgetPolicy(Mode.HARD, BudgetPolicy.DEFAULT_THRESHOLDS, null, null, null, null, null,
				OverrunPolicy.DEFAULT, List.of(models), null);
	}

	private static Ask.Option on(String model) {
		return Ask.Option.priced(new TokenPrice(model, "USD", BigDecimal.ONE, BigDecimal.TEN), 1000, 1000);
	}

	@Test
	void aModelNoListAllowsIsDeniedByTheRootMostListThatRefusesIt() {
		Budget root = budget("USD", "10", "0", "0", allowing("gpt-4o-mini"), BigDecimal.ZERO, false);
		Budget leaf = budget("USD", "10", "0", "0", allowing("gpt-4o"), BigDecimal.ZERO, false);

		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(root, leaf),
				new Ask("USD", List.of(on("gpt-4o")), null));

		assertThat(deny.reason()).isEqualTo(DenyReason.MODEL_NOT_ALLOWED);
		assertThat(deny.limitingBudgetId()).isEqualTo(root.id());
	}

	@Test
	void aModelIsAllowedOnlyWhenEveryListOfTheChainAllowsIt() {
		Budget root = budget("USD", "10", "0", "0", allowing("gpt-4o", "gpt-4o-mini"), BigDecimal.ZERO, false);
		Budget middle = usd("10", "0");
		Budget leaf = budget("USD", "10", "0", "0", allowing("gpt-4o-mini"), BigDecimal.ZERO, false);

		Decider.Decision mini = Decider.decide(List.of(root, middle, leaf),
				new Ask("USD", List.of(on("gpt-4o-mini")), null));
		Decider.Decision big = Decider.decide(List.of(root, middle, leaf), new Ask("USD", List.of(on("gpt-4o")), null));

		assertThat(mini).isInstanceOf(Decider.Allow.class);
		assertThat(((Decider.Deny) big).limitingBudgetId()).isEqualTo(leaf.id());
	}

	@Test
	void aModelNotAllowedFallsToTheFirstAllowedFallbackAsADowngrade() {
		Budget leaf = budget("USD", "10", "0", "0", allowing("gpt-4o-mini"), BigDecimal.ZERO, false);
		Ask ask = new Ask("USD", List.of(on("gpt-4o"), on("claude-haiku-4-5"), on("gpt-4o-mini")), null);

		Decider.Allow allow = (Decider.Allow) Decider.decide(List.of(leaf), ask);

		assertThat(allow.chosen().model()).isEqualTo("gpt-4o-mini");
		assertThat(allow.downgraded()).isTrue();
		assertThat(allow.capped()).isFalse();
	}

	@Test
	void anAllowedFallbackThatDoesNotFitIsDeniedForFundsNotForTheModel() {
		Budget leaf = budget("USD", "0.001", "0", "0", allowing("gpt-4o-mini"), BigDecimal.ZERO, false);

		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(leaf),
				new Ask("USD", List.of(on("gpt-4o"), on("gpt-4o-mini")), null));

		assertThat(deny.reason()).isEqualTo(DenyReason.INSUFFICIENT_FUNDS);
		assertThat(deny.requested()).isEqualByComparingTo("0.011");
	}

	@Test
	void datedAndPrefixedNamesOfAnAllowedFamilyAreAllowedButNotTheOtherWayRound() {
		Budget family = budget("USD", "10", "0", "0", allowing("claude-sonnet-4-5"), BigDecimal.ZERO, false);
		Budget snapshot = budget("USD", "10", "0", "0", allowing("gpt-4o-2024-08-06"), BigDecimal.ZERO, false);

		assertThat(Decider.decide(List.of(family), new Ask("USD", List.of(on("claude-sonnet-4-5-20250929")), null)))
			.isInstanceOf(Decider.Allow.class);
		assertThat(Decider.decide(List.of(family),
				new Ask("USD", List.of(on("openrouter/anthropic/claude-sonnet-4-5")), null)))
			.isInstanceOf(Decider.Allow.class);
		assertThat(Decider.decide(List.of(family), new Ask("USD", List.of(on("claude-sonnet-4-5-mini")), null)))
			.isInstanceOf(Decider.Deny.class);
		assertThat(Decider.decide(List.of(snapshot), new Ask("USD", List.of(on("gpt-4o-2024-08-06")), null)))
			.isInstanceOf(Decider.Allow.class);
		assertThat(Decider.decide(List.of(snapshot), new Ask("USD", List.of(on("gpt-4o")), null)))
			.isInstanceOf(Decider.Deny.class);
	}

	@Test
	void aReserveByAmountNamesNoModelSoAListRefusesIt() {
		Budget leaf = budget("USD", "10", "0", "0", allowing("gpt-4o"), BigDecimal.ZERO, false);

		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(leaf), amount("1"));

		assertThat(deny.reason()).isEqualTo(DenyReason.MODEL_NOT_ALLOWED);
	}

	@Test
	void aFrozenBudgetIsNamedBeforeAModelItDoesNotAllow() {
		Budget leaf = budget("USD", "10", "0", "0", allowing("gpt-4o-mini"), BigDecimal.ZERO, true);

		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(leaf), new Ask("USD", List.of(on("gpt-4o")), null));

		assertThat(deny.reason()).isEqualTo(DenyReason.BUDGET_FROZEN);
	}

	private static BudgetPolicy holdingAtMost(long outputTokens) {
		return new BudgetPolicy(Mode.HARD, BudgetPolicy.DEFAULT_THRESHOLDS, null, null, null, null, null,
				OverrunPolicy.DEFAULT, null, outputTokens);
	}

	private static final TokenPrice OPUS = new TokenPrice("opus", "USD", new BigDecimal("15"), new BigDecimal("75"));

	@Test
	void aHoldCapHoldsAWorstCaseEstimateAtTheCapAsACappedAllow() {
		Budget root = budget("USD", "25", "0", "0", holdingAtMost(8000), BigDecimal.ZERO, false);
		Budget leaf = budget("USD", "25", "0", "0", holdingAtMost(4000), BigDecimal.ZERO, false);

		Decider.Allow allow = (Decider.Allow) Decider.decide(List.of(root, leaf),
				new Ask("USD", List.of(Ask.Option.priced(OPUS, 125000, 32000)), null));

		assertThat(allow.chosen().maxOutputTokens()).isEqualTo(4000);
		assertThat(allow.chosen().amount()).isEqualByComparingTo("2.175");
		assertThat(allow.capped()).isTrue();
		assertThat(allow.downgraded()).isFalse();
	}

	@Test
	void aHoldCapNeverHoldsFewerThanTheCallersMinimumNorMoreThanItAsked() {
		Budget leaf = budget("USD", "25", "0", "0", holdingAtMost(4000), BigDecimal.ZERO, false);

		Decider.Allow minimum = (Decider.Allow) Decider.decide(List.of(leaf),
				new Ask("USD", List.of(Ask.Option.priced(OPUS, 1000, 32000)), 6000L));
		Decider.Allow small = (Decider.Allow) Decider.decide(List.of(leaf),
				new Ask("USD", List.of(Ask.Option.priced(OPUS, 1000, 3000)), null));

		assertThat(minimum.chosen().maxOutputTokens()).isEqualTo(6000);
		assertThat(small.chosen().maxOutputTokens()).isEqualTo(3000);
		assertThat(small.capped()).isFalse();
	}

	@Test
	void aGrowthIsDecidedOnTheDifferenceAndAShrinkAlwaysFits() {
		Budget leaf = budget("USD", "1", "0.9", "0.011", hard(), BigDecimal.ZERO, false);
		TokenPrice price = new TokenPrice("m", "USD", BigDecimal.ONE, BigDecimal.TEN);
		Ask.Option held = Ask.Option.priced(price, 1000, 1000);

		Decider.Decision fits = Decider.resize(List.of(leaf), held, Ask.Option.priced(price, 1000, 9900));
		Decider.Decision tooMuch = Decider.resize(List.of(leaf), held, Ask.Option.priced(price, 1000, 9901));
		Budget frozen = budget("USD", "1", "1", "0.011", hard(), BigDecimal.ZERO, true);
		Decider.Decision shrink = Decider.resize(List.of(frozen), held, Ask.Option.priced(price, 1000, 10));

		assertThat(fits).isInstanceOf(Decider.Allow.class);
		Decider.Deny deny = (Decider.Deny) tooMuch;
		assertThat(deny.reason()).isEqualTo(DenyReason.INSUFFICIENT_FUNDS);
		assertThat(deny.requested()).isEqualByComparingTo("0.08901");
		assertThat(deny.available()).isEqualByComparingTo("0.089");
		assertThat(((Decider.Allow) shrink).chosen().maxOutputTokens()).isEqualTo(10);
	}

	@Test
	void aGrowthPastAPerCallCapOrOnAFrozenBudgetIsDeniedButNotByTheCallCaps() {
		BudgetPolicy capped = new BudgetPolicy(Mode.HARD, BudgetPolicy.DEFAULT_THRESHOLDS, null, null, 5000L, 1L, 1);
		UUID id = UUID.randomUUID();
		Budget busy = new Budget(id, "b", null, id, 0, List.of(id), "USD", BigDecimal.TEN, BigDecimal.ZERO,
				new BigDecimal("0.011"), 1, 1, 0, "ACTIVE", null, null,
				new BudgetPeriod(Period.NONE, ZoneOffset.UTC, null, false, null, BigDecimal.ZERO), capped, Map.of(),
				NOW, NOW);
		TokenPrice price = new TokenPrice("m", "USD", BigDecimal.ONE, BigDecimal.TEN);
		Ask.Option held = Ask.Option.priced(price, 1000, 1000);

		Decider.Decision within = Decider.resize(List.of(busy), held, Ask.Option.priced(price, 1000, 4000));
		Decider.Decision over = Decider.resize(List.of(busy), held, Ask.Option.priced(price, 1000, 4001));

		assertThat(within).isInstanceOf(Decider.Allow.class);
		assertThat(((Decider.Deny) over).reason()).isEqualTo(DenyReason.PER_CALL_LIMIT);
	}

	private static BudgetPolicy runAndMinute(RunAndMinuteCaps caps) {
		return new BudgetPolicy(Mode.HARD, BudgetPolicy.DEFAULT_THRESHOLDS, null, null, null, null, null,
				OverrunPolicy.DEFAULT, null, null, caps);
	}

	private static Counters counted(String run, UUID budget, long calls, String amount, long requests, long tokens) {
		return new Counters(run, Map.of(budget, new Counters.RunCount(calls, new BigDecimal(amount))),
				Map.of(budget, new Counters.MinuteCount(requests, tokens)), 17);
	}

	@Test
	void aRunAtItsCallCapIsDeniedBeforeAnythingAboutMoneyAndOnlyWhenTheReserveNamesIt() {
		Budget capped = budget("USD", "1", "1", "0", runAndMinute(new RunAndMinuteCaps(3L, null, null, null)),
				BigDecimal.ZERO, false);

		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(capped), amount("5"),
				counted("r", capped.id(), 3, "0", 0, 0));
		Decider.Deny other = (Decider.Deny) Decider.decide(List.of(capped), amount("5"),
				counted(null, capped.id(), 3, "0", 0, 0));

		assertThat(deny.reason()).isEqualTo(DenyReason.RUN_CALL_LIMIT);
		assertThat(deny.retryAfterSeconds()).isNull();
		assertThat(other.reason()).isEqualTo(DenyReason.INSUFFICIENT_FUNDS);
	}

	@Test
	void aRunsAmountIsHeldPlusChargedAndFitsExactly() {
		Budget capped = budget("USD", "10", "0", "0",
				runAndMinute(new RunAndMinuteCaps(null, new BigDecimal("1"), null, null)), BigDecimal.ZERO, false);

		assertThat(Decider.decide(List.of(capped), amount("0.3"), counted("r", capped.id(), 2, "0.7", 0, 0)))
			.isInstanceOf(Decider.Allow.class);
		Decider.Deny deny = (Decider.Deny) Decider.decide(List.of(capped), amount("0.300000000000000001"),
				counted("r", capped.id(), 2, "0.7", 0, 0));
		assertThat(deny.reason()).isEqualTo(DenyReason.RUN_AMOUNT_LIMIT);
		assertThat(deny.available()).isEqualByComparingTo("0.3");
	}

	@Test
	void aFullMinuteSaysWhenTheNextOneStartsUnlessWaitingCannotHelp() {
		Budget capped = budget("USD", "10", "0", "0", runAndMinute(new RunAndMinuteCaps(null, null, 5L, 1000L)),
				BigDecimal.ZERO, false);
		TokenPrice price = new TokenPrice("m", "USD", new BigDecimal("1"), new BigDecimal("1"));
		Ask tokens = new Ask("USD", List.of(Ask.Option.priced(price, 100, 100)), null);
		Ask huge = new Ask("USD", List.of(Ask.Option.priced(price, 600, 600)), null);

		Decider.Deny requests = (Decider.Deny) Decider.decide(List.of(capped), tokens,
				counted(null, capped.id(), 0, "0", 5, 0));
		Decider.Deny full = (Decider.Deny) Decider.decide(List.of(capped), tokens,
				counted(null, capped.id(), 0, "0", 4, 801));
		Decider.Deny never = (Decider.Deny) Decider.decide(List.of(capped), huge,
				counted(null, capped.id(), 0, "0", 0, 0));

		assertThat(requests.reason()).isEqualTo(DenyReason.REQUEST_RATE_LIMIT);
		assertThat(requests.retryAfterSeconds()).isEqualTo(17);
		assertThat(full.reason()).isEqualTo(DenyReason.TOKEN_RATE_LIMIT);
		assertThat(full.retryAfterSeconds()).isEqualTo(17);
		assertThat(Decider.decide(List.of(capped), tokens, counted(null, capped.id(), 4, "0", 4, 800)))
			.isInstanceOf(Decider.Allow.class);
		assertThat(never.reason()).isEqualTo(DenyReason.TOKEN_RATE_LIMIT);
		assertThat(never.retryAfterSeconds()).isNull();
	}

	@Test
	void aCappedAllowFitsTheMinutesTokensLeft() {
		Budget capped = budget("USD", "10", "0", "0", runAndMinute(new RunAndMinuteCaps(null, null, null, 1000L)),
				BigDecimal.ZERO, false);
		TokenPrice price = new TokenPrice("m", "USD", new BigDecimal("1"), new BigDecimal("1"));
		Ask ask = new Ask("USD", List.of(Ask.Option.priced(price, 100, 800)), 50L);

		Decider.Allow allow = (Decider.Allow) Decider.decide(List.of(capped), ask,
				counted(null, capped.id(), 0, "0", 1, 500));

		assertThat(allow.capped()).isTrue();
		assertThat(allow.chosen().maxOutputTokens()).isEqualTo(400);
	}

}
