package dev.budgetledger.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

/**
 * When to try a failed delivery again: exponential backoff with full jitter (a random
 * delay between zero and a cap that doubles with every attempt, so receivers that come
 * back are not hit by every sender at once), or later if the receiver asked so with
 * {@code Retry-After}, up to a bound.
 */
final class Backoff {

	private Backoff() {
	}

	/**
	 * The largest delay after {@code attempts} failed attempts: initial * 2^(attempts -
	 * 1), at most the maximum.
	 */
	static Duration cap(int attempts, WebhookSettings settings) {
		int doublings = Math.max(0, attempts - 1);
		if (doublings >= 40) {
			return settings.maxBackoff();
		}
		Duration cap = settings.initialBackoff().multipliedBy(1L << doublings);
		return (cap.compareTo(settings.maxBackoff()) > 0) ? settings.maxBackoff() : cap;
	}

	static Duration delay(int attempts, WebhookSettings settings, RandomGenerator random,
			Optional<Duration> retryAfter) {
		Duration jittered = Duration.ofMillis(random.nextLong(cap(attempts, settings).toMillis() + 1));
		if (retryAfter.isPresent()) {
			Duration asked = retryAfter.get();
			Duration bounded = (asked.compareTo(settings.maxRetryAfter()) > 0) ? settings.maxRetryAfter() : asked;
			return (bounded.compareTo(jittered) > 0) ? bounded : jittered;
		}
		return jittered;
	}

	/**
	 * A {@code Retry-After} value: delay-seconds or an HTTP-date (RFC 9110); nothing if
	 * it is neither.
	 */
	static Optional<Duration> retryAfter(@Nullable String header, Instant now) {
		if (header == null || header.isBlank()) {
			return Optional.empty();
		}
		String value = header.trim();
		if (value.matches("\\d{1,10}")) {
			return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
		}
		try {
			Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
			return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
		}
		catch (DateTimeParseException ex) {
			return Optional.empty();
		}
	}

}
