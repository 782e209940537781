package dev.budgetledger.ledger.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import dev.budgetledger.errors.InvalidRequestException;
import dev.budgetledger.reservation.ReservationSettings;
import dev.budgetledger.money.Amounts;

import org.springframework.stereotype.Component;

/**
 * Rules for request fields that annotations cannot state: metadata size, TTL bounds,
 * currencies.
 */
@Component
class Requests {

	static final int MAX_METADATA_BYTES = 4096;

	static final int MAX_METADATA_KEYS = 32;

	private final JsonMapper json;

	private final ReservationSettings settings;

	Requests(JsonMapper json, ReservationSettings settings) {
		this.json = json;
		this.settings = settings;
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
