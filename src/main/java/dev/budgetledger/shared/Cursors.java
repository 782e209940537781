package dev.budgetledger.shared;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.budgetledger.errors.InvalidRequestException;

/**
 * Opaque page cursors: clients pass back what they were given and never build their own.
 * Public: API keys and the audit log page alike.
 */
public final class Cursors {

	private Cursors() {
	}

	public static String encode(Object position) {
		return Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(position.toString().getBytes(StandardCharsets.UTF_8));
	}

	public static @Nullable UUID decodeUuid(@Nullable String cursor) {
		return (cursor != null) ? parse(cursor, UUID::fromString) : null;
	}

	public static long decodeLong(@Nullable String cursor) {
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
