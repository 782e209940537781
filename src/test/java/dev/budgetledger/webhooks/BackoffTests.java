package dev.budgetledger.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTests {

	private static final WebhookSettings defaults = new WebhookSettings(Duration.ofSeconds(1), 100, 4,
			Duration.ofSeconds(5), Duration.ofSeconds(10), 10, Duration.ofSeconds(10), Duration.ofHours(1),
			Duration.ofHours(1), Duration.ofHours(24), false, List.of());

	@Test
	void theCapDoublesFromTheInitialBackoffUpToTheMaximum() {
		assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 64).stream().map(n -> Backoff.cap(n, defaults).toSeconds()))
			.containsExactly(10L, 20L, 40L, 80L, 160L, 320L, 640L, 1280L, 2560L, 3600L, 3600L);
	}

	@Test
	void delaysAreSpreadBetweenZeroAndTheCap() {
		SplittableRandom random = new SplittableRandom(42);
		List<Duration> delays = random.ints(2000)
			.mapToObj(i -> Backoff.delay(3, defaults, random, Optional.empty()))
			.toList();

		assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(40)));
		assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(4)));
		assertThat(delays).anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofSeconds(36)));
	}

	@Test
	void aRetryAfterIsHonouredButBounded() {
		SplittableRandom random = new SplittableRandom(7);

		assertThat(Backoff.delay(1, defaults, random, Optional.of(Duration.ofSeconds(300))))
			.isEqualTo(Duration.ofSeconds(300));
		assertThat(Backoff.delay(1, defaults, random, Optional.of(Duration.ofDays(3)))).isEqualTo(Duration.ofHours(1));
	}

	@Test
	void retryAfterIsReadAsSecondsOrAnHttpDate() {
		Instant now = Instant.parse("2026-11-23T10:00:00Z");

		assertThat(Backoff.retryAfter("120", now)).contains(Duration.ofSeconds(120));
		assertThat(Backoff.retryAfter("Mon, 23 Nov 2026 10:05:00 GMT", now)).contains(Duration.ofMinutes(5));
		assertThat(Backoff.retryAfter("Mon, 23 Nov 2026 09:00:00 GMT", now)).contains(Duration.ZERO);
		assertThat(Backoff.retryAfter("soon", now)).isEmpty();
		assertThat(Backoff.retryAfter("-5", now)).isEmpty();
		assertThat(Backoff.retryAfter(null, now)).isEmpty();
	}

}
