package dev.budgetledger.pricing.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.Price;
import dev.budgetledger.pricing.PriceChanges;
import dev.budgetledger.pricing.Pricing;
import dev.budgetledger.pricing.TokenPrice;
import dev.budgetledger.security.Caller;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prices: read by every key, set by ADMIN keys only (see the security configuration),
 * each change audited.
 */
@RestController
@RequestMapping(path = "/v1/prices", produces = "application/json")
class PriceController {

	static final String MODEL_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$";

	private final Pricing pricing;

	private final PriceChanges changes;

	PriceController(Pricing pricing, PriceChanges changes) {
		this.pricing = pricing;
		this.changes = changes;
	}

	@GetMapping
	PriceList list() {
		return new PriceList(this.pricing.all().stream().map(PriceResponse::of).toList());
	}

	@GetMapping("/{model}")
	PriceResponse get(@PathVariable @Pattern(regexp = MODEL_PATTERN) String model) {
		return PriceResponse.of(this.pricing.get(model));
	}

	@PutMapping(path = "/{model}", consumes = "application/json")
	ResponseEntity<PriceResponse> put(@PathVariable @Pattern(regexp = MODEL_PATTERN) String model,
			@Valid @RequestBody PriceRequest request, @AuthenticationPrincipal Caller caller) {
		if (!Amounts.isKnownCurrency(request.currency())) {
			throw new InvalidRequestException("currency", "must be an ISO 4217 currency code");
		}
		PriceChanges.Put result = this.changes.put(caller.actor(), request.provider(),
				new TokenPrice(model, request.currency(), request.inputPerMillion(), request.outputPerMillion(),
						request.cacheReadPerMillion(), request.cacheWritePerMillion(), request.reasoningPerMillion()),
				request.defaultMaxOutputTokens(), PriceResponse::of);
		PriceResponse body = PriceResponse.of(result.price());
		return result.created() ? ResponseEntity.status(201).body(body) : ResponseEntity.ok(body);
	}

	record PriceRequest(
			@NotNull @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.PRICE_SCALE) BigDecimal inputPerMillion,
			@NotNull @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.PRICE_SCALE) BigDecimal outputPerMillion,
			@NotNull @Pattern(regexp = Amounts.CURRENCY_PATTERN) String currency,
			@Nullable @Size(min = 1, max = 50) @Pattern(regexp = "^[A-Za-z0-9._-]+$") String provider,
			@Nullable @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.PRICE_SCALE) BigDecimal cacheReadPerMillion,
			@Nullable @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.PRICE_SCALE) BigDecimal cacheWritePerMillion,
			@Nullable @DecimalMin("0") @DecimalMax(Amounts.MAX) @Digits(integer = Amounts.MAX_INTEGER_DIGITS,
					fraction = Amounts.PRICE_SCALE) BigDecimal reasoningPerMillion,
			@Nullable @Min(1) @Max(100_000_000L) Long defaultMaxOutputTokens) {
	}

	record PriceList(List<PriceResponse> items) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record PriceResponse(String model, @Nullable String provider, String inputPerMillion, String outputPerMillion,
			@Nullable String cacheReadPerMillion, @Nullable String cacheWritePerMillion,
			@Nullable String reasoningPerMillion, @Nullable Long defaultMaxOutputTokens, String currency, String source,
			@Nullable LocalDate asOf, Instant updatedAt) {

		static PriceResponse of(Price price) {
			TokenPrice p = price.tokenPrice();
			return new PriceResponse(price.getModel(), price.getProvider(), Amounts.format(p.inputPerMillion()),
					Amounts.format(p.outputPerMillion()), Amounts.formatOrNull(p.cacheReadPerMillion()),
					Amounts.formatOrNull(p.cacheWritePerMillion()), Amounts.formatOrNull(p.reasoningPerMillion()),
					price.getDefaultMaxOutputTokens(), price.getCurrency(), price.getSource(), price.getAsOf(),
					price.getUpdatedAt());
		}

	}

}
