package dev.budgetledger.reservation;

import dev.budgetledger.budget.Budget;
import dev.budgetledger.budget.BudgetPolicy;
import dev.budgetledger.budget.CurrencyMismatchException;
import dev.budgetledger.budget.Mode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.pricing.ModelNames;
import dev.budgetledger.pricing.TokenPrice;

/**
 * The decision rules, as a pure function of the chain's budgets (root first, periods
 * already rolled) and the ask. No I/O, so every rule is unit-tested directly;
 * {@link dev.budgetledger.ledger.Ledger} locks, calls this, and writes what it decided.
 * <p>
 * Checks, in order: a closed budget anywhere in the chain; a frozen one; models no
 * {@code allowedModels} list of the chain admits (those options are dropped: a requested
 * model not allowed falls to its first allowed fallback, a downgrade, and with none
 * allowed the reserve is denied); per-call caps; concurrent holds; calls per period;
 * calls per run; requests per minute; then, per option, amount per run, room on every
 * HARD budget and tokens per minute ({@link Counters} carries the run's and the minute's
 * counts, read under the same locks). Options are tried in order: the requested one, then
 * its fallbacks (fallbacks first when the requested one would cross a budget's
 * {@code downgradeAt}); then, if the ask allows it, each with as many output tokens as
 * fit, down to {@code minOutputTokens}. Each option holds at most the chain's
 * {@code maxHoldOutputTokens} output tokens (a capped allow when that is fewer than
 * asked).
 */
public final class Decider {

	private Decider() {
	}

	public sealed interface Decision {

	}

	/**
	 * @param chosen the option that fits (possibly with fewer output tokens than asked)
	 */
	public record Allow(Ask.Option chosen, boolean downgraded, boolean capped,
			List<String> warnings) implements Decision {
	}

	/**
	 * @param retryAfterSeconds for a minute window's deny, the seconds until the next
	 * window, when waiting can help
	 */
	public record Deny(DenyReason reason, UUID limitingBudgetId, String unit, BigDecimal requested,
			BigDecimal available, @Nullable Long retryAfterSeconds) implements Decision {

		public Deny(DenyReason reason, UUID limitingBudgetId, String unit, BigDecimal requested, BigDecimal available) {
			this(reason, limitingBudgetId, unit, requested, available, null);
		}

	}

	/** A threshold that an amount added to a budget crosses. */
	public record Crossing(UUID budgetId, BigDecimal threshold, BigDecimal utilization) {
	}

	public static Decision decide(List<Budget> chain, Ask ask) {
		return decide(chain, ask, Counters.NONE);
	}

	/**
	 * As {@link #decide(List, Ask)}, with the run's and the minute windows' counters of
	 * the chain.
	 */
	public static Decision decide(List<Budget> chain, Ask ask, Counters counters) {
		requireUnits(chain, ask);
		Ask.Option requested = ask.requested();
		for (Budget level : chain) {
			if (level.closed()) {
				return deny(DenyReason.BUDGET_CLOSED, level, requested);
			}
		}
		for (Budget level : chain) {
			if (level.frozen()) {
				return deny(DenyReason.BUDGET_FROZEN, level, requested);
			}
		}
		List<Ask.Option> order = new ArrayList<>();
		for (Ask.Option option : ask.options()) {
			if (disallowing(chain, option) == null) {
				order.add(option);
			}
		}
		if (order.isEmpty()) {
			return deny(DenyReason.MODEL_NOT_ALLOWED, Objects.requireNonNull(disallowing(chain, requested)), requested);
		}
		// A requested model no list allows is replaced by the first allowed fallback, as
		// a downgrade.
		Ask.Option first = order.get(0);
		Long holdCap = holdCap(chain, ask.minOutputTokens());
		Optional<Deny> denial = check(chain, atMost(first, holdCap), counters);
		// Counts no option can change: another model or fewer tokens would not help.
		if (denial.isPresent() && (denial.get().reason() == DenyReason.CONCURRENCY_LIMIT
				|| denial.get().reason() == DenyReason.CALL_LIMIT || denial.get().reason() == DenyReason.RUN_CALL_LIMIT
				|| denial.get().reason() == DenyReason.REQUEST_RATE_LIMIT)) {
			return denial.get();
		}
		if (order.size() > 1 && first == requested && crossesDowngrade(chain, atMost(requested, holdCap))) {
			order.remove(0);
			order.add(requested);
		}
		for (Ask.Option option : order) {
			Ask.Option held = atMost(option, holdCap);
			if (check(chain, held, counters).isEmpty()) {
				return allow(chain, held, option != requested, held != option);
			}
		}
		if (ask.minOutputTokens() != null) {
			for (Ask.Option option : order) {
				Ask.Option capped = capped(chain, atMost(option, holdCap), ask.minOutputTokens(), counters);
				if (capped != null && check(chain, capped, counters).isEmpty()) {
					return allow(chain, capped, option != requested, true);
				}
			}
		}
		return denial.orElseThrow();
	}

	/**
	 * Whether a held reservation may change from {@code before} to {@code after} (same
	 * price, other output tokens or amount), on a chain locked and rolled like a
	 * reserve's. A change that holds no more on any level (a shrink) is always allowed. A
	 * growth is decided like a reserve of the difference: a closed or frozen budget, a
	 * model no list allows any longer, a per-call cap the new hold exceeds, or a HARD
	 * budget with less available than the difference deny it; it is neither a new call
	 * nor a new hold, so the call and concurrency caps do not apply, and nor does
	 * {@code maxHoldOutputTokens}, which bounds what a reservation holds when it is made,
	 * not what it may grow to.
	 */
	public static Decision resize(List<Budget> chain, Ask.Option before, Ask.Option after) {
		return resize(chain, before, after, Counters.NONE);
	}

	/**
	 * As {@link #resize(List, Ask.Option, Ask.Option)}, for a reservation of the run
	 * {@code counters} counts: a growth must also fit the run's {@code maxAmountPerRun}
	 * (minute windows count requests and holds as they are made, not growths).
	 */
	public static Decision resize(List<Budget> chain, Ask.Option before, Ask.Option after, Counters counters) {
		boolean grows = false;
		for (Budget level : chain) {
			grows |= hold(level, after).compareTo(hold(level, before)) > 0;
		}
		if (!grows) {
			return new Allow(after, false, false, List.of());
		}
		for (Budget level : chain) {
			if (level.closed()) {
				return growthDenied(DenyReason.BUDGET_CLOSED, level, before, after);
			}
		}
		for (Budget level : chain) {
			if (level.frozen()) {
				return growthDenied(DenyReason.BUDGET_FROZEN, level, before, after);
			}
		}
		Budget refusing = disallowing(chain, after);
		if (refusing != null) {
			return growthDenied(DenyReason.MODEL_NOT_ALLOWED, refusing, before, after);
		}
		Optional<Deny> perCall = check(chain, after, Counters.NONE)
			.filter(deny -> deny.reason() == DenyReason.PER_CALL_LIMIT);
		if (perCall.isPresent()) {
			return perCall.get();
		}
		if (counters.runId() != null) {
			for (Budget level : chain) {
				BigDecimal max = level.policy().runAndMinute().maxAmountPerRun();
				BigDecimal growth = hold(level, after).subtract(hold(level, before));
				BigDecimal used = counters.run(level.id()).amount();
				if (max != null && growth.signum() > 0 && used.add(growth).compareTo(max) > 0) {
					return new Deny(DenyReason.RUN_AMOUNT_LIMIT, level.id(), level.unit(), growth,
							max.subtract(used).max(BigDecimal.ZERO));
				}
			}
		}
		for (Budget level : chain) {
			BigDecimal growth = hold(level, after).subtract(hold(level, before));
			if (level.policy().mode() == Mode.HARD && growth.signum() > 0 && level.available().compareTo(growth) < 0) {
				return growthDenied(DenyReason.INSUFFICIENT_FUNDS, level, before, after);
			}
		}
		List<String> warnings = new ArrayList<>();
		for (Budget level : chain) {
			BigDecimal growth = hold(level, after).subtract(hold(level, before));
			if (level.policy().mode() == Mode.SOFT && growth.signum() > 0 && level.available().compareTo(growth) < 0
					&& !warnings.contains("OVER_LIMIT")) {
				warnings.add("OVER_LIMIT");
			}
		}
		return new Allow(after, false, false, warnings);
	}

	/**
	 * A denied growth: what was asked is the difference on the limiting budget, in its
	 * unit.
	 */
	private static Deny growthDenied(DenyReason reason, Budget level, Ask.Option before, Ask.Option after) {
		return new Deny(reason, level.id(), level.unit(),
				hold(level, after).subtract(hold(level, before)).max(BigDecimal.ZERO), level.available());
	}

	/**
	 * The fewest {@code maxHoldOutputTokens} of the chain, raised to the ask's
	 * {@code minOutputTokens} (a hold never goes below what the caller said it cannot do
	 * without), or null when no budget of the chain sets one.
	 */
	private static @Nullable Long holdCap(List<Budget> chain, @Nullable Long minOutputTokens) {
		Long cap = null;
		for (Budget level : chain) {
			Long max = level.policy().maxHoldOutputTokens();
			if (max != null && (cap == null || max < cap)) {
				cap = max;
			}
		}
		return (cap != null && minOutputTokens != null) ? Long.valueOf(Math.max(cap, minOutputTokens)) : cap;
	}

	/**
	 * The option holding at most {@code cap} output tokens; the option itself when it
	 * holds no more.
	 */
	private static Ask.Option atMost(Ask.Option option, @Nullable Long cap) {
		TokenPrice price = option.price();
		Long input = option.inputTokens();
		Long max = option.maxOutputTokens();
		if (cap == null || price == null || input == null || max == null || max <= cap) {
			return option;
		}
		return Ask.Option.priced(price, input, cap);
	}

	/**
	 * The root-most budget of the chain whose {@code allowedModels} does not admit the
	 * option's model, or null if every list admits it. An option without a model (a
	 * reserve by amount) is admitted by no list.
	 */
	private static @Nullable Budget disallowing(List<Budget> chain, Ask.Option option) {
		String model = option.model();
		for (Budget level : chain) {
			List<String> allowed = level.policy().allowedModels();
			if (allowed != null
					&& (model == null || allowed.stream().noneMatch(name -> ModelNames.allows(name, model)))) {
				return level;
			}
		}
		return null;
	}

	/** Money budgets must count the ask's currency; token budgets need token counts. */
	static void requireUnits(List<Budget> chain, Ask ask) {
		for (Budget level : chain) {
			if (level.countsTokens()) {
				if (ask.requested().tokens() == null) {
					throw new TokensRequiredException(level.id());
				}
			}
			else if (!level.unit().equals(ask.currency())) {
				throw new CurrencyMismatchException(level.unit(), String.valueOf(ask.currency()));
			}
		}
	}

	public static BigDecimal hold(Budget level, Ask.Option option) {
		if (level.countsTokens()) {
			Long tokens = option.tokens();
			return BigDecimal.valueOf((tokens != null) ? tokens : 0L);
		}
		return option.amount();
	}

	private static Optional<Deny> check(List<Budget> chain, Ask.Option option, Counters counters) {
		for (Budget level : chain) {
			BudgetPolicy policy = level.policy();
			Long tokens = option.tokens();
			boolean overAmount = !level.countsTokens() && policy.maxAmountPerCall() != null
					&& option.amount().compareTo(policy.maxAmountPerCall()) > 0;
			boolean overTokens = policy.maxTokensPerCall() != null && tokens != null
					&& tokens > policy.maxTokensPerCall();
			if (overAmount || overTokens) {
				return Optional.of(deny(DenyReason.PER_CALL_LIMIT, level, option));
			}
		}
		for (Budget level : chain) {
			Integer max = level.policy().maxConcurrentHolds();
			if (max != null && level.heldCount() >= max) {
				return Optional.of(deny(DenyReason.CONCURRENCY_LIMIT, level, option));
			}
		}
		for (Budget level : chain) {
			Long max = level.policy().maxCallsPerPeriod();
			if (max != null && level.callsInPeriod() >= max) {
				return Optional.of(deny(DenyReason.CALL_LIMIT, level, option));
			}
		}
		String run = counters.runId();
		if (run != null) {
			for (Budget level : chain) {
				Long max = level.policy().runAndMinute().maxCallsPerRun();
				if (max != null && counters.run(level.id()).calls() >= max) {
					return Optional.of(deny(DenyReason.RUN_CALL_LIMIT, level, option));
				}
			}
		}
		for (Budget level : chain) {
			Long max = level.policy().runAndMinute().maxRequestsPerMinute();
			if (max != null && counters.minute(level.id()).requests() >= max) {
				return Optional.of(new Deny(DenyReason.REQUEST_RATE_LIMIT, level.id(), level.unit(),
						hold(level, option), level.available(), counters.retryAfterSeconds()));
			}
		}
		if (run != null) {
			for (Budget level : chain) {
				BigDecimal max = level.policy().runAndMinute().maxAmountPerRun();
				BigDecimal used = counters.run(level.id()).amount();
				if (max != null && used.add(hold(level, option)).compareTo(max) > 0) {
					// What the run has left under its cap, in the level's unit.
					return Optional.of(new Deny(DenyReason.RUN_AMOUNT_LIMIT, level.id(), level.unit(),
							hold(level, option), max.subtract(used).max(BigDecimal.ZERO)));
				}
			}
		}
		for (Budget level : chain) {
			if (level.policy().mode() == Mode.HARD && level.available().compareTo(hold(level, option)) < 0) {
				return Optional.of(deny(DenyReason.INSUFFICIENT_FUNDS, level, option));
			}
		}
		for (Budget level : chain) {
			Long max = level.policy().runAndMinute().maxTokensPerMinute();
			long tokens = minuteTokens(option);
			if (max != null && counters.minute(level.id()).tokens() + tokens > max) {
				// A hold bigger than the whole window's cap waits in vain: no
				// Retry-After.
				return Optional.of(new Deny(DenyReason.TOKEN_RATE_LIMIT, level.id(), level.unit(), hold(level, option),
						level.available(), (tokens > max) ? null : Long.valueOf(counters.retryAfterSeconds())));
			}
		}
		return Optional.empty();
	}

	/**
	 * The tokens a hold counts in a minute window: input plus max output tokens; a
	 * reserve by amount names no tokens and counts none.
	 */
	public static long minuteTokens(Ask.Option option) {
		Long tokens = option.tokens();
		return (tokens != null) ? tokens : 0L;
	}

	private static boolean crossesDowngrade(List<Budget> chain, Ask.Option option) {
		for (Budget level : chain) {
			BigDecimal at = level.policy().downgradeAt();
			if (at != null && usedAfter(level, option).compareTo(at.multiply(level.effectiveLimit())) >= 0) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The option with as many output tokens as every budget and cap leaves room for, or
	 * null if too few.
	 */
	private static Ask.@Nullable Option capped(List<Budget> chain, Ask.Option option, long minOutputTokens,
			Counters counters) {
		TokenPrice price = option.price();
		Long input = option.inputTokens();
		Long max = option.maxOutputTokens();
		if (price == null || input == null || max == null) {
			return null;
		}
		long fit = max;
		for (Budget level : chain) {
			BudgetPolicy policy = level.policy();
			if (level.countsTokens()) {
				if (level.policy().mode() == Mode.HARD) {
					fit = Math.min(fit, level.available().longValue() - input);
				}
			}
			else {
				if (policy.mode() == Mode.HARD) {
					fit = Math.min(fit, price.maxOutputTokensWithin(level.available(), input));
				}
				if (policy.maxAmountPerCall() != null) {
					fit = Math.min(fit, price.maxOutputTokensWithin(policy.maxAmountPerCall(), input));
				}
			}
			if (policy.maxTokensPerCall() != null) {
				fit = Math.min(fit, policy.maxTokensPerCall() - input);
			}
			BigDecimal perRun = policy.runAndMinute().maxAmountPerRun();
			if (counters.runId() != null && perRun != null) {
				BigDecimal room = perRun.subtract(counters.run(level.id()).amount());
				fit = Math.min(fit,
						level.countsTokens() ? room.longValue() - input : price.maxOutputTokensWithin(room, input));
			}
			Long perMinute = policy.runAndMinute().maxTokensPerMinute();
			if (perMinute != null) {
				fit = Math.min(fit, perMinute - counters.minute(level.id()).tokens() - input);
			}
		}
		if (fit < minOutputTokens || fit < 0) {
			return null;
		}
		return Ask.Option.priced(price, input, fit);
	}

	private static Allow allow(List<Budget> chain, Ask.Option option, boolean downgraded, boolean capped) {
		List<String> warnings = new ArrayList<>();
		for (Budget level : chain) {
			if (level.policy().mode() == Mode.SOFT && level.available().compareTo(hold(level, option)) < 0
					&& !warnings.contains("OVER_LIMIT")) {
				warnings.add("OVER_LIMIT");
			}
		}
		return new Allow(option, downgraded, capped, warnings);
	}

	private static Deny deny(DenyReason reason, Budget level, Ask.Option option) {
		return new Deny(reason, level.id(), level.unit(), hold(level, option), level.available());
	}

	private static BigDecimal usedAfter(Budget level, Ask.Option option) {
		return level.spent().add(level.reserved()).add(hold(level, option));
	}

	/**
	 * The thresholds a change in use crosses upwards on one budget: those {@code t} with
	 * {@code usedBefore < t * limit <= usedAfter}.
	 */
	public static List<Crossing> crossings(Budget level, BigDecimal usedBefore, BigDecimal usedAfter) {
		List<Crossing> crossed = new ArrayList<>();
		BigDecimal limit = level.effectiveLimit();
		for (BigDecimal threshold : level.policy().thresholds()) {
			BigDecimal mark = threshold.multiply(limit);
			boolean up = (limit.signum() == 0) ? usedBefore.signum() == 0 && usedAfter.signum() > 0
					: usedBefore.compareTo(mark) < 0 && usedAfter.compareTo(mark) >= 0;
			if (up) {
				BigDecimal utilization = (limit.signum() == 0) ? BigDecimal.ONE
						: usedAfter.divide(limit, MathContext.DECIMAL64);
				crossed.add(new Crossing(level.id(), threshold, utilization));
			}
		}
		return crossed;
	}

	/**
	 * The warning a reserve or settle answers with when it crosses {@code threshold}:
	 * {@code THRESHOLD_95}.
	 */
	public static String thresholdWarning(BigDecimal threshold) {
		return "THRESHOLD_" + threshold.movePointRight(2).stripTrailingZeros().toPlainString();
	}

}
