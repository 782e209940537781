package dev.budgetledger.client;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.client.support.FlakyProxy;
import dev.budgetledger.client.support.RunningService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The client against the real service (the packaged jar on a fresh database). */
class BudgetLedgerClientIntegrationTests {

	private final RunningService service = RunningService.get();

	private final BudgetLedgerClient client = this.service.adminClient();

	private static final RetryPolicy FAST_RETRIES = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50));

	@Test
	void reserveThenSettleChargesTheActualUsageAndGivesTheRestBack() {
		UUID budget = this.service.createBudget("5.00");

		Reservation hold = this.client.reserve(ReserveRequest.tokens(budget, "gpt-4o", 1200, 800));
		assertThat(hold.decision()).isEqualTo("ALLOW");
		assertThat(hold.amount()).isEqualByComparingTo("0.011");
		assertThat(hold.model()).isEqualTo("gpt-4o");

		Reservation settled = this.client.settle(hold.id(), SettleRequest.tokens(1200, 310));
		assertThat(settled.status()).isEqualTo("SETTLED");
		assertThat(settled.charged()).isEqualByComparingTo("0.0061");
		assertThat(settled.released()).isEqualByComparingTo("0.0049");

		Budget after = this.client.budget(budget);
		assertThat(after.spent()).isEqualByComparingTo("0.0061");
		assertThat(after.reserved()).isEqualByComparingTo("0");
		assertThat(after.available()).isEqualByComparingTo("4.9939");
	}

	@Test
	void aReserveWithoutMaxOutputTokensHoldsTheModelsDefaultAndNamesIt() {
		UUID budget = this.service.createBudget("5.00");

		Reservation hold = this.client.reserve(ReserveRequest.tokens(budget, "gpt-4o", 1200));

		// gpt-4o's catalog default is 16384 output tokens: 1200 x 2.50 + 16384 x 10.00 per million
		assertThat(hold.maxOutputTokens()).isEqualTo(16384);
		assertThat(hold.capped()).isFalse();
		assertThat(hold.amount()).isEqualByComparingTo("0.16684");
	}

	@Test
	void aReserveWithMinOutputTokensThatDoesNotFitIsAllowedWithFewerOutputTokens() {
		UUID budget = this.service.createBudget("0.005");

		// 1000 input tokens take 0.0025; 0.0025 is left for output at 10.00 per million: 250 tokens, not 800
		Reservation hold = this.client
			.reserve(ReserveRequest.tokens(budget, "gpt-4o", 1000, 800).withMinOutputTokens(100));

		assertThat(hold.decision()).isEqualTo("ALLOW");
		assertThat(hold.capped()).isTrue();
		assertThat(hold.maxOutputTokens()).isEqualTo(250);
		assertThat(hold.amount()).isEqualByComparingTo("0.005");
	}

	@Test
	void amountsTravelExactlyAsDecimalStrings() {
		UUID budget = this.service.createBudget("1");
		Reservation hold = this.client.reserve(ReserveRequest.amount(budget, new BigDecimal("0.000000000000000001")));
		assertThat(hold.amount()).isEqualTo(new BigDecimal("0.000000000000000001"));
		assertThat(this.client.budget(budget).available()).isEqualByComparingTo("0.999999999999999999");
	}

	@Test
	void aDenyIsABudgetDeniedExceptionWithTheReasonAndHoldsNothing() {
		UUID budget = this.service.createBudget("5.00");

		assertThatExceptionOfType(BudgetDeniedException.class)
			.isThrownBy(() -> this.client.reserve(ReserveRequest.amount(budget, new BigDecimal("10"))))
			.satisfies(denied -> {
				assertThat(denied.status()).isEqualTo(402);
				assertThat(denied.code()).isEqualTo("RESERVATION_DENIED");
				assertThat(denied.reason()).isEqualTo("INSUFFICIENT_FUNDS");
				assertThat(denied.limitingBudgetId()).isEqualTo(budget);
				assertThat(denied.requested()).isEqualByComparingTo("10");
				assertThat(denied.available()).isEqualByComparingTo("5.00");
			});
		Budget after = this.client.budget(budget);
		assertThat(after.reserved()).isEqualByComparingTo("0");
		assertThat(after.deniedCount()).isEqualTo(1);
	}

	@Test
	void releaseGivesTheWholeHoldBackAndExtendMovesTheExpiry() {
		UUID budget = this.service.createBudget("5.00");
		Reservation hold = this.client.reserve(ReserveRequest.amount(budget, new BigDecimal("1.25")).withTtlSeconds(60));

		Reservation extended = this.client.extend(hold.id(), Duration.ofMinutes(30));
		assertThat(extended.expiresAt()).isAfter(hold.expiresAt().plus(Duration.ofMinutes(25)));

		Reservation released = this.client.release(hold.id());
		assertThat(released.status()).isEqualTo("RELEASED");
		assertThat(released.released()).isEqualByComparingTo("1.25");
		assertThat(this.client.reservation(hold.id()).status()).isEqualTo("RELEASED");
		assertThat(this.client.budget(budget).available()).isEqualByComparingTo("5.00");
	}

	@Test
	void errorsAreTypedByTheServicesProblemCode() {
		UUID budget = this.service.createBudget("5.00");
		assertThatExceptionOfType(BudgetLedgerException.class)
			.isThrownBy(() -> this.client.settle(UUID.randomUUID(), SettleRequest.amount(BigDecimal.ONE)))
			.satisfies(error -> {
				assertThat(error.status()).isEqualTo(404);
				assertThat(error.code()).isEqualTo("RESERVATION_NOT_FOUND");
			});

		Reservation hold = this.client.reserve(ReserveRequest.amount(budget, new BigDecimal("1")));
		this.client.settle(hold.id(), SettleRequest.amount(new BigDecimal("0.40")));
		assertThatExceptionOfType(BudgetLedgerException.class)
			.isThrownBy(() -> this.client.settle(hold.id(), SettleRequest.amount(new BigDecimal("0.50"))))
			.satisfies(error -> {
				assertThat(error.status()).isEqualTo(409);
				assertThat(error.code()).isEqualTo("SETTLEMENT_CONFLICT");
			});
		assertThat(this.client.budget(budget).spent()).isEqualByComparingTo("0.40");
	}

	@Test
	void aReserveWhoseAnswerWasLostIsRetriedWithTheSameKeyAndHeldOnce() {
		UUID budget = this.service.createBudget("5.00");
		try (FlakyProxy proxy = new FlakyProxy(this.service.baseUri(), FlakyProxy.Fault.LOSE_ANSWER, 1)) {
			BudgetLedgerClient flaky = BudgetLedgerClient.builder(proxy.uri(), this.service.adminKey())
				.retryPolicy(FAST_RETRIES)
				.build();

			Reservation hold = flaky.reserve(ReserveRequest.amount(budget, new BigDecimal("0.30")));

			assertThat(proxy.forwarded()).hasSize(2);
			assertThat(proxy.forwarded().get(0).idempotencyKey()).isEqualTo(proxy.forwarded().get(1).idempotencyKey());
			assertThat(proxy.forwarded().get(0).replayed()).isFalse();
			assertThat(proxy.forwarded().get(1).replayed()).isTrue();
			assertThat(hold.status()).isEqualTo("HELD");
		}
		Budget after = this.client.budget(budget);
		assertThat(after.reserved()).isEqualByComparingTo("0.30");
		assertThat(after.heldCount()).isEqualTo(1);
	}

	@Test
	void aSettleAnswered503IsRetriedWithTheSameKey() {
		UUID budget = this.service.createBudget("5.00");
		Reservation hold = this.client.reserve(ReserveRequest.amount(budget, new BigDecimal("1")));
		try (FlakyProxy proxy = new FlakyProxy(this.service.baseUri(), FlakyProxy.Fault.UNAVAILABLE, 2)) {
			BudgetLedgerClient flaky = BudgetLedgerClient.builder(proxy.uri(), this.service.adminKey())
				.retryPolicy(FAST_RETRIES)
				.build();

			Reservation settled = flaky.settle(hold.id(), SettleRequest.amount(new BigDecimal("0.25")));

			assertThat(settled.charged()).isEqualByComparingTo("0.25");
			assertThat(proxy.keysSeen()).hasSize(3).containsOnly(proxy.keysSeen().get(0));
			assertThat(proxy.forwarded()).hasSize(1);
		}
		assertThat(this.client.budget(budget).spent()).isEqualByComparingTo("0.25");
	}

	@Test
	void retriesStopAfterTheLastAttemptWithTheLastFailure() {
		UUID budget = this.service.createBudget("5.00");
		try (FlakyProxy proxy = new FlakyProxy(this.service.baseUri(), FlakyProxy.Fault.UNAVAILABLE, 10)) {
			BudgetLedgerClient flaky = BudgetLedgerClient.builder(proxy.uri(), this.service.adminKey())
				.retryPolicy(FAST_RETRIES)
				.build();

			assertThatExceptionOfType(BudgetLedgerException.class)
				.isThrownBy(() -> flaky.reserve(ReserveRequest.amount(budget, BigDecimal.ONE)))
				.satisfies(error -> assertThat(error.code()).isEqualTo("LOCK_TIMEOUT"));
			assertThat(proxy.keysSeen()).hasSize(3);
		}
		assertThat(this.client.budget(budget).reserved()).isEqualByComparingTo("0");
	}

	@Test
	void anUnreachableServiceIsAnErrorWithoutStatusAfterTheRetries() {
		BudgetLedgerClient nowhere = BudgetLedgerClient.builder(URI.create("http://127.0.0.1:1"), "bl_live_x")
			.retryPolicy(FAST_RETRIES)
			.build();
		assertThatExceptionOfType(BudgetLedgerException.class)
			.isThrownBy(() -> nowhere.budget(UUID.randomUUID()))
			.satisfies(error -> {
				assertThat(error.status()).isZero();
				assertThat(error.getMessage()).contains("after 3 attempt(s)");
			});
	}

}
