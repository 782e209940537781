package dev.budgetledger.ledger.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.money.Amounts;
import dev.budgetledger.pricing.Pricing;
import dev.budgetledger.pricing.TokenPrice;
import dev.budgetledger.reservation.Ask;
import dev.budgetledger.reservation.ReservationSettings;
import dev.budgetledger.reservation.ReserveCommand;

import org.springframework.stereotype.Component;

/**
 * Rules for request fields that annotations cannot state (metadata size, TTL bounds,
 * currencies), and the commands requests become.
 */
@Component
class Requests {

	static final int MAX_METADATA_BYTES = 4096;

	static final int MAX_METADATA_KEYS = 32;

	private final JsonMapper json;

	private final ReservationSettings settings;

	private final Pricing pricing;

	Requests(JsonMapper json, ReservationSettings settings, Pricing pricing) {
		this.json = json;
		this.settings = settings;
		this.pricing = pricing;
	}

	/**
	 * The command of a reserve (or a dry run): the requested model and its fallbacks
	 * priced from the catalog in memory, in order; the ledger picks the first option that
	 * fits.
	 */
	ReserveCommand reserve(ReservationController.ReserveRequest request) {
		return reserveWithoutRun(request).forRun(request.runId());
	}

	private ReserveCommand reserveWithoutRun(ReservationController.ReserveRequest request) {
		currency(request.currency());
		var ttl = ttl("ttlSeconds", request.ttlSeconds());
		Map<String, Object> metadata = metadata(request.metadata());
		if ((request.amount() == null) == (request.model() == null)) {
			throw new InvalidRequestException("amount",
					"give either amount, or model with inputTokens (and maxOutputTokens)");
		}
		List<String> fallbacks = (request.fallbackModels() != null) ? request.fallbackModels() : List.of();
		if (request.amount() != null) {
			if (request.inputTokens() != null || request.maxOutputTokens() != null || !fallbacks.isEmpty()
					|| request.minOutputTokens() != null) {
				throw new InvalidRequestException("inputTokens",
						"token counts, fallbackModels and minOutputTokens go with model, not with amount");
			}
			return new ReserveCommand(request.budgetId(),
					new Ask(request.currency(), List.of(Ask.Option.amount(request.amount())), null), ttl, metadata);
		}
		Long input = request.inputTokens();
		if (input == null) {
			throw new InvalidRequestException("inputTokens", "is required with model");
		}
		List<Ask.Option> options = new ArrayList<>();
		List<String> models = new ArrayList<>();
		models.add(request.model());
		models.addAll(fallbacks);
		String currency = request.currency();
		for (String model : models) {
			Pricing.Quote quote = this.pricing.quote(model);
			TokenPrice price = quote.price();
			// A call that sets no limit may produce up to the model's default; that is
			// what is held (never unbounded).
			long maxOutput = (request.maxOutputTokens() != null) ? request.maxOutputTokens()
					: quote.defaultMaxOutputTokens();
			if (request.minOutputTokens() != null && request.minOutputTokens() > maxOutput) {
				throw new InvalidRequestException("minOutputTokens", "must not exceed maxOutputTokens");
			}
			if (currency == null) {
				currency = price.currency();
			}
			if (!currency.equals(price.currency())) {
				throw new InvalidRequestException("fallbackModels",
						"the price of " + model + " is in " + price.currency() + ", not " + currency);
			}
			Ask.Option option = Ask.Option.priced(price, input, maxOutput);
			if (option.amount().signum() <= 0) {
				throw new InvalidRequestException("maxOutputTokens", "the estimate must be more than zero");
			}
			options.add(option);
		}
		return new ReserveCommand(request.budgetId(), new Ask(currency, options, request.minOutputTokens()), ttl,
				metadata);
	}

	Map<String, Object> metadata(@Nullable Map<String, Object> metadata) {
		if (metadata == null) {
			return Map.of();
		}
		if (metadata.size() > MAX_METADATA_KEYS) {
			throw new InvalidRequestException("metadata", "must have at most " + MAX_METADATA_KEYS + " keys");
		}
		if (this.json.writeValueAsString(metadata).getBytes(StandardCharsets.UTF_8).length > MAX_METADATA_BYTES) {
			throw new InvalidRequestException("metadata", "must serialize to at most " + MAX_METADATA_BYTES + " bytes");
		}
		if (!storable(metadata)) {
			// PostgreSQL's jsonb cannot hold the NUL character (it failed the insert: a
			// 500), and a lone surrogate is no character
			// at all (UTF-8 stored it as '?'): refused, so what is stored is what was
			// sent.
			throw new InvalidRequestException("metadata",
					"must not contain the NUL character (\\u0000) or unpaired surrogates");
		}
		return metadata;
	}

	/**
	 * Whether every key and string in this JSON value is text PostgreSQL stores as sent.
	 */
	private static boolean storable(@Nullable Object value) {
		if (value instanceof String text) {
			return text.indexOf(0) < 0 && !LONE_SURROGATE.matcher(text).find();
		}
		if (value instanceof Map<?, ?> map) {
			return map.entrySet().stream().allMatch(entry -> storable(entry.getKey()) && storable(entry.getValue()));
		}
		if (value instanceof Iterable<?> items) {
			for (Object item : items) {
				if (!storable(item)) {
					return false;
				}
			}
		}
		return true;
	}

	/**
	 * A surrogate code unit that is not part of a pair: Java's regex reads a pair as one
	 * code point, not {@code Cs}.
	 */
	private static final java.util.regex.Pattern LONE_SURROGATE = java.util.regex.Pattern.compile("\\p{Cs}");

	Duration ttl(String field, @Nullable Integer seconds) {
		if (seconds == null) {
			return this.settings.defaultTtl();
		}
		long max = this.settings.maxTtl().toSeconds();
		if (seconds < 1 || seconds > max) {
			throw new InvalidRequestException(field, "must be between 1 and " + max + " seconds");
		}
		return Duration.ofSeconds(seconds);
	}

	static void currency(@Nullable String currency) {
		if (currency != null && !Amounts.isKnownCurrency(currency)) {
			throw new InvalidRequestException("currency", "must be an ISO 4217 currency code such as USD");
		}
	}

}
