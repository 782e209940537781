package dev.budgetledger.pricing;

import java.time.Clock;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.audit.Actor;
import dev.budgetledger.audit.AuditAction;
import dev.budgetledger.audit.AuditLog;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Changes to the price catalog, each audited in the transaction that makes it; every
 * instance's {@link PriceCache} picks the change up after the commit.
 */
@Service
public class PriceChanges {

	private final Prices prices;

	private final PriceCache cache;

	private final AuditLog audit;

	private final Clock clock;

	PriceChanges(Prices prices, PriceCache cache, AuditLog audit, Clock clock) {
		this.prices = prices;
		this.cache = cache;
		this.audit = audit;
		this.clock = clock;
	}

	/**
	 * Creates or replaces a price and audits it. The row is locked before it is read, so
	 * the audited "before" is exactly what the change replaced; {@code view} is how the
	 * audit log shows a price (the API's response body).
	 */
	@Transactional(Pricing.TRANSACTIONS)
	public Put put(Actor actor, @Nullable String provider, TokenPrice price, @Nullable Long defaultMaxOutputTokens,
			Function<Price, Object> view) {
		Price existing = this.prices.findForUpdate(price.model()).orElse(null);
		Object before = (existing != null) ? view.apply(existing) : null;
		Price target = (existing != null) ? existing : new Price(price.model(), this.clock.instant());
		target.update(provider, price, defaultMaxOutputTokens, this.clock.instant());
		Price saved = (existing != null) ? target : this.prices.save(target);
		this.audit.record(actor, AuditAction.PRICE_PUT, price.model(), before, view.apply(saved));
		this.cache.reloadAfterCommit();
		return new Put(saved, existing == null);
	}

	/** The price as stored, and whether it was new. */
	public record Put(Price price, boolean created) {
	}

}
