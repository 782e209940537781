package dev.budgetledger.pricing;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** The price catalog as the rest of the service sees it. */
@Service
public class Pricing {

	/** The JPA transaction manager prices run under; see {@code PricingConfiguration}. */
	public static final String TRANSACTIONS = "pricingTransactionManager";

	private final Prices prices;

	private final Clock clock;

	Pricing(Prices prices, Clock clock) {
		this.prices = prices;
		this.clock = clock;
	}

	/** The current price of a model, for estimating a reservation. */
	@Transactional(transactionManager = TRANSACTIONS, readOnly = true)
	public TokenPrice priceOf(String model) {
		return this.prices.findById(model).map(Price::tokenPrice).orElseThrow(() -> new UnknownModelException(model));
	}

	@Transactional(transactionManager = TRANSACTIONS, readOnly = true)
	public Price get(String model) {
		return this.prices.findById(model).orElseThrow(() -> new PriceNotFoundException(model));
	}

	/**
	 * A model's price, locked until the surrounding transaction ends, so it stays as read until the caller changes
	 * it (the "before" of an audited change).
	 */
	@Transactional(transactionManager = TRANSACTIONS, propagation = Propagation.MANDATORY)
	public Optional<Price> findForUpdate(String model) {
		return this.prices.findForUpdate(model);
	}

	@Transactional(transactionManager = TRANSACTIONS, readOnly = true)
	public List<Price> all() {
		return this.prices.findAllByOrderByModelAsc();
	}

	/** Creates or replaces a price; returns whether it was new. */
	@Transactional(TRANSACTIONS)
	public PutResult put(@Nullable String provider, TokenPrice price) {
		Price existing = this.prices.findById(price.model()).orElse(null);
		boolean created = existing == null;
		Price target = created ? new Price(price.model(), this.clock.instant()) : existing;
		target.update(provider, price, this.clock.instant());
		return new PutResult(created ? this.prices.save(target) : target, created);
	}

	public record PutResult(Price price, boolean created) {
	}

}
