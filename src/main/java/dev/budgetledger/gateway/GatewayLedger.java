package dev.budgetledger.gateway;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.ApiException;
import dev.budgetledger.errors.ProblemType;
import dev.budgetledger.reservation.Ask;
import dev.budgetledger.ledger.Coalescer;
import dev.budgetledger.ledger.Ledger;
import dev.budgetledger.ledger.Subjects;
import dev.budgetledger.reservation.ReserveCommand;
import dev.budgetledger.reservation.ReserveOutcome;
import dev.budgetledger.reservation.SettleCommand;
import dev.budgetledger.reservation.Settlement;
import dev.budgetledger.pricing.Pricing;
import dev.budgetledger.pricing.TokenPrice;
import dev.budgetledger.security.Caller;

import org.springframework.stereotype.Component;

/**
 * The gateway's only door to the ledger: the same entry points
 * {@code ReservationController} uses (the {@link Coalescer}'s reserve and settle, the
 * {@link Ledger}'s release and extend), with typed commands, so a call through the
 * gateway ends with exactly the journal entries a reserve/settle through the API would.
 */
@Component
public class GatewayLedger {

	private final Coalescer coalescer;

	private final Ledger ledger;

	private final Pricing pricing;

	private final Subjects subjects;

	GatewayLedger(Coalescer coalescer, Ledger ledger, Pricing pricing, Subjects subjects) {
		this.coalescer = coalescer;
		this.ledger = ledger;
		this.pricing = pricing;
		this.subjects = subjects;
	}

	/**
	 * Holds the worst case of a call on {@code budgetId} for {@code caller}: the
	 * requested model, then its fallbacks, each with {@code maxOutputTokens} or, when the
	 * call set none, the model's default.
	 * @throws ApiException as a reserve through the API would (unknown model, budget out
	 * of scope, ...)
	 */
	public Reserved reserve(Caller caller, Call call) {
		List<Ask.Option> options = new ArrayList<>();
		Map<String, String> catalogModels = new HashMap<>();
		String currency = null;
		for (String model : call.models()) {
			Pricing.Quote quote = this.pricing.quote(model);
			catalogModels.put(model, quote.catalogModel());
			TokenPrice price = quote.price();
			if (currency == null) {
				currency = price.currency();
			}
			if (!currency.equals(price.currency())) {
				throw new FallbackCurrencyException(model, price.currency(), currency);
			}
			long maxOutput = (call.maxOutputTokens() != null) ? call.maxOutputTokens() : quote.defaultMaxOutputTokens();
			options.add(Ask.Option.priced(price, call.inputTokens(), maxOutput));
		}
		Long minOutput = call.minOutputTokens();
		for (Ask.Option option : options) {
			Long optionMax = option.maxOutputTokens();
			if (minOutput != null && optionMax != null && optionMax < minOutput) {
				// The call already asks for less than the least worth capping to: nothing
				// to cap.
				minOutput = null;
			}
		}
		ReserveCommand command = new ReserveCommand(call.budgetId(), new Ask(currency, options, minOutput), call.ttl(),
				call.metadata())
			.sentWith(caller.keyId(), null)
			.forRun(call.runId());
		String subject = call.subject();
		if (subject == null) {
			return new Reserved(
					this.coalescer.reserve(command.budgetId(), batch -> batch.reserve(command, caller.scope())),
					catalogModels);
		}
		// As ReservationController does: a child already made joins its own tree's batch;
		// one to be made is made under the lock of its parent's chain.
		UUID child = this.subjects.child(command.budgetId(), subject);
		return new Reserved(
				this.coalescer.reserve((child != null) ? child : command.budgetId(),
						batch -> this.subjects.reserve(batch, command, subject, child, caller.actor(), caller.scope())),
				catalogModels);
	}

	/**
	 * The decision, and the catalog entry each model asked for resolved to (a bounded
	 * name for metrics: callers may send any number of dated or prefixed spellings).
	 */
	public record Reserved(ReserveOutcome outcome, Map<String, String> catalogModels) {

		public String catalogModel(String model) {
			return this.catalogModels.getOrDefault(model, "unknown");
		}

	}

	/**
	 * Settles with the usage the provider reported (or counted); {@code amount}, when
	 * given, is what is charged.
	 */
	public Settlement settle(UUID reservationId, TokenPrice.Usage usage, @Nullable BigDecimal amount) {
		SettleCommand command = new SettleCommand(reservationId, amount, null, usage);
		return this.coalescer.settle(reservationId, batch -> batch.settle(command, null));
	}

	public Settlement release(UUID reservationId) {
		return this.ledger.release(reservationId);
	}

	public Settlement extend(UUID reservationId, Duration ttl) {
		return this.ledger.extend(reservationId, ttl);
	}

	/**
	 * One guarded call, as the gateway read it from the request.
	 *
	 * @param models the requested model first, then the caller's fallbacks
	 * @param maxOutputTokens the call's own output limit, or null for the model's default
	 * @param minOutputTokens the least output worth a capped allow, or null for no
	 * capping
	 * @param runId the run the call belongs to ({@code X-Budget-Run}), whose caps apply
	 * @param subject the end user or tenant ({@code X-Budget-Subject}) whose child of
	 * {@code budgetId} is charged, made from its child template on first use; null to
	 * charge {@code budgetId} itself
	 */
	public record Call(UUID budgetId, List<String> models, long inputTokens, @Nullable Long maxOutputTokens,
			@Nullable Long minOutputTokens, Duration ttl, Map<String, Object> metadata, @Nullable String runId,
			@Nullable String subject) {
	}

	static final class FallbackCurrencyException extends ApiException {

		FallbackCurrencyException(String model, String currency, String expected) {
			super(ProblemType.VALIDATION_FAILED, "The price of " + model + " is in " + currency + ", not " + expected);
		}

	}

}
