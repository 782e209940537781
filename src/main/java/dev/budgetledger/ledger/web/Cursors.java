package dev.budgetledger.ledger.web;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;

/** Opaque page cursors: clients pass back what they were given and never build their own. */
final class Cursors {

	private Cursors() {
	}

	static String encode(Object position) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(position.toString().getBytes(StandardCharsets.UTF_8));
	}

	static @Nullable UUID decodeUuid(@Nullable String cursor) {
		return (cursor != null) ? parse(cursor, UUID::fromString) : null;
	}

	static long decodeLong(@Nullable String cursor) {
		return (cursor != null) ? parse(cursor, Long::parseLong) : 0L;
	}

	private static <T> T parse(String cursor, java.util.function.Function<String, T> parser) {
		try {
			return parser.apply(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidRequestException("cursor", "is not a cursor this service returned");
		}
	}

}
