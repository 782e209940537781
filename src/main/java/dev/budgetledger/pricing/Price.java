package dev.budgetledger.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.jspecify.annotations.Nullable;

/**
 * A row of the price catalog. Admin-only and off the hot path, so plain JPA is the
 * simplest fit.
 */
@Entity
@Table(name = "prices")
public class Price {

	@Id
	private String model;

	private @Nullable String provider;

	@Column(name = "input_per_million")
	private BigDecimal inputPerMillion;

	@Column(name = "output_per_million")
	private BigDecimal outputPerMillion;

	private String currency;

	@Column(name = "cache_read_per_million")
	private @Nullable BigDecimal cacheReadPerMillion;

	@Column(name = "cache_write_per_million")
	private @Nullable BigDecimal cacheWritePerMillion;

	@Column(name = "reasoning_per_million")
	private @Nullable BigDecimal reasoningPerMillion;

	/**
	 * Output tokens held when a call sets no limit; null: the service-wide default
	 * ({@code PricingSettings}).
	 */
	@Column(name = "default_max_output_tokens")
	private @Nullable Long defaultMaxOutputTokens;

	private String source;

	@Column(name = "as_of")
	private @Nullable LocalDate asOf;

	@Column(name = "updated_at")
	private Instant updatedAt;

	@SuppressWarnings("NullAway.Init")
	protected Price() {
	}

	@SuppressWarnings("NullAway.Init") // update() sets the rest before the price is saved
	Price(String model, Instant updatedAt) {
		this.model = model;
		this.updatedAt = updatedAt;
	}

	void update(@Nullable String provider, TokenPrice price, @Nullable Long defaultMaxOutputTokens, Instant updatedAt) {
		if (provider != null) {
			this.provider = provider;
		}
		this.defaultMaxOutputTokens = defaultMaxOutputTokens;
		this.inputPerMillion = price.inputPerMillion();
		this.outputPerMillion = price.outputPerMillion();
		this.cacheReadPerMillion = price.cacheReadPerMillion();
		this.cacheWritePerMillion = price.cacheWritePerMillion();
		this.reasoningPerMillion = price.reasoningPerMillion();
		this.currency = price.currency();
		this.source = "ADMIN";
		this.asOf = null;
		this.updatedAt = updatedAt;
	}

	public TokenPrice tokenPrice() {
		return new TokenPrice(this.model, this.currency, this.inputPerMillion, this.outputPerMillion,
				this.cacheReadPerMillion, this.cacheWritePerMillion, this.reasoningPerMillion);
	}

	public String getModel() {
		return this.model;
	}

	public @Nullable String getProvider() {
		return this.provider;
	}

	public BigDecimal getInputPerMillion() {
		return this.inputPerMillion;
	}

	public BigDecimal getOutputPerMillion() {
		return this.outputPerMillion;
	}

	public String getCurrency() {
		return this.currency;
	}

	public @Nullable Long getDefaultMaxOutputTokens() {
		return this.defaultMaxOutputTokens;
	}

	public String getSource() {
		return this.source;
	}

	public @Nullable LocalDate getAsOf() {
		return this.asOf;
	}

	public Instant getUpdatedAt() {
		return this.updatedAt;
	}

}
