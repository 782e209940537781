package dev.budgetledger.shared;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;

/**
 * UUIDv7 (RFC 9562): a millisecond timestamp followed by random bits. Ids sort by
 * creation time, so cursor pagination by id is chronological and B-tree inserts stay at
 * the right edge of the index.
 */
public final class Ids {

	private static final SecureRandom random = new SecureRandom();

	private Ids() {
	}

	public static UUID newId(Instant now) {
		long millis = now.toEpochMilli();
		long randomA = random.nextInt(1 << 12);
		long msb = (millis << 16) | (0x7L << 12) | randomA;
		long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(msb, lsb);
	}

}
