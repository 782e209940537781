package dev.budgetledger.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

import org.jspecify.annotations.Nullable;

/**
 * The shape of an API key: {@code bl_live_} followed by 32 random bytes in URL-safe
 * Base64 (43 characters, 256 bits). The prefix makes a leaked key easy to recognise (and
 * to find with secret scanners); the randomness makes guessing hopeless, which is why a
 * plain SHA-256 is the right way to store it (a slow password hash would only slow down
 * every request).
 */
final class ApiKeySecrets {

	static final String PREFIX = "bl_live_";

	/** Length of the Base64 text of 32 random bytes, without padding. */
	static final int RANDOM_CHARS = 43;

	/**
	 * Characters of the random part shown as the key's non-secret prefix: 36 of its 256
	 * bits.
	 */
	private static final int SHOWN_CHARS = 6;

	/**
	 * Longest value looked up at all; anything longer is refused without touching the
	 * database.
	 */
	private static final int MAX_LENGTH = 200;

	/**
	 * 43 random Base64 characters virtually never have fewer distinct ones; a configured
	 * key that does is typed.
	 */
	private static final int MIN_DISTINCT_CHARS = 16;

	private static final SecureRandom random = new SecureRandom();

	private ApiKeySecrets() {
	}

	static String generate() {
		byte[] bytes = new byte[32];
		random.nextBytes(bytes);
		return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	static byte[] hash(String secret) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by every JVM", ex);
		}
	}

	/**
	 * The part of a key that may be shown and stored in clear: the prefix and a few
	 * random characters.
	 */
	static String shown(String secret) {
		return secret.substring(0, PREFIX.length() + SHOWN_CHARS);
	}

	/**
	 * A cheap test of what a request presents, so garbage never costs a database lookup.
	 */
	static boolean looksLikeKey(String value) {
		return value.length() <= MAX_LENGTH && value.startsWith(PREFIX)
				&& value.length() >= PREFIX.length() + RANDOM_CHARS && isBase64Url(value.substring(PREFIX.length()));
	}

	/**
	 * Why a configured key is not good enough, or {@code null} if it is. The message
	 * never contains the key.
	 */
	static @Nullable String weakness(String value) {
		if (!value.startsWith(PREFIX)) {
			return "must start with '" + PREFIX + "'";
		}
		String random = value.substring(PREFIX.length());
		if (random.length() < RANDOM_CHARS || value.length() > MAX_LENGTH) {
			return "must have " + RANDOM_CHARS + " to " + (MAX_LENGTH - PREFIX.length())
					+ " characters after the prefix (at least 256 random bits)";
		}
		if (!isBase64Url(random)) {
			return "may only use A-Z, a-z, 0-9, '-' and '_' after the prefix";
		}
		if (random.chars().distinct().count() < MIN_DISTINCT_CHARS) {
			return "does not look random (too few distinct characters)";
		}
		return null;
	}

	private static boolean isBase64Url(String text) {
		return text.chars()
			.allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
					|| c == '_');
	}

}
