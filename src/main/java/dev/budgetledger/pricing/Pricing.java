package dev.budgetledger.pricing;

import java.time.Clock;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The price catalog as the rest of the service sees it. */
@Service
public class Pricing {

	/** The JPA transaction manager prices run under; see {@code PricingConfiguration}. */
	public static final String TRANSACTIONS = "pricingTransactionManager";

	private final Prices prices;

	private final PriceCache cache;

	private final Clock clock;

	private final PricingSettings settings;

	Pricing(Prices prices, PriceCache cache, Clock clock, PricingSettings settings) {
		this.prices = prices;
		this.cache = cache;
		this.clock = clock;
		this.settings = settings;
	}

	/** The current price of a model, for estimating a reservation; see {@link #quote}. */
	public TokenPrice priceOf(String model) {
		return quote(model).price();
	}

	/**
	 * What a call on {@code model} costs and how much output it holds when it sets no
	 * limit. The name resolves to a catalog entry by {@link ModelNames}; the price keeps
	 * the name as given, so the reservation (and the model a guard or the gateway
	 * forwards) stays the caller's pinned snapshot. A name that resolves to nothing is
	 * priced at {@code unknown-model-price-of} when the operator set one, and is
	 * otherwise an {@link UnknownModelException}. Read from the catalog in memory
	 * ({@link PriceCache}): no round trip.
	 */
	public Quote quote(String model) {
		for (String name : ModelNames.candidates(model)) {
			PriceCache.Entry found = this.cache.find(name);
			if (found != null) {
				return quote(model, found);
			}
		}
		String fallback = this.settings.unknownModelPriceOf();
		if (fallback != null) {
			PriceCache.Entry found = this.cache.find(fallback);
			if (found != null) {
				return quote(model, found);
			}
		}
		throw new UnknownModelException(model);
	}

	private Quote quote(String model, PriceCache.Entry found) {
		TokenPrice p = found.price();
		TokenPrice asNamed = new TokenPrice(model, p.currency(), p.inputPerMillion(), p.outputPerMillion(),
				p.cacheReadPerMillion(), p.cacheWritePerMillion(), p.reasoningPerMillion());
		Long ownDefault = found.defaultMaxOutputTokens();
		return new Quote(asNamed, p.model(),
				(ownDefault != null) ? ownDefault : this.settings.defaultMaxOutputTokens());
	}

	@Transactional(transactionManager = TRANSACTIONS, readOnly = true)
	public Price get(String model) {
		return this.prices.findById(model).orElseThrow(() -> new PriceNotFoundException(model));
	}

	@Transactional(transactionManager = TRANSACTIONS, readOnly = true)
	public List<Price> all() {
		return this.prices.findAllByOrderByModelAsc();
	}

	/**
	 * A model's price under the name it was asked by.
	 *
	 * @param catalogModel the catalog entry the name resolved to
	 * @param defaultMaxOutputTokens output tokens to hold when the call sets no limit
	 */
	public record Quote(TokenPrice price, String catalogModel, long defaultMaxOutputTokens) {
	}

}
