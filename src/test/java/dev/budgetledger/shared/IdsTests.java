package dev.budgetledger.shared;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdsTests {

	@Test
	void idsAreVersion7WithTheTimestampInFront() {
		Instant now = Instant.parse("2026-11-23T10:00:00.123Z");

		UUID id = Ids.newId(now);

		assertThat(id.version()).isEqualTo(7);
		assertThat(id.variant()).isEqualTo(2);
		assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(now.toEpochMilli());
	}

	@Test
	void laterIdsSortAfterEarlierOnes() {
		UUID earlier = Ids.newId(Instant.parse("2026-11-23T10:00:00.000Z"));
		UUID later = Ids.newId(Instant.parse("2026-11-23T10:00:00.001Z"));

		assertThat(later.toString()).isGreaterThan(earlier.toString());
	}

	@Test
	void idsInTheSameMillisecondDiffer() {
		Instant now = Instant.now();
		Set<UUID> ids = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			ids.add(Ids.newId(now));
		}
		assertThat(ids).hasSize(10_000);
	}

}
