package dev.budgetledger.gateway;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenCounterTests {

	private final TokenCounter counter = new TokenCounter();

	@Test
	void openAiModelsAreCountedWithTheirOwnEncoding() {
		assertThat(this.counter.exact("gpt-4o-2024-08-06")).isTrue();
		assertThat(this.counter.exact("openai/gpt-5-mini")).isTrue();
		assertThat(this.counter.exact("o4-mini")).isTrue();
		assertThat(this.counter.exact("text-embedding-3-small")).isTrue();
		// o200k_base and cl100k_base split this differently: the encoding follows the
		// model
		String text = "Say hello to the budget ledger";
		assertThat(this.counter.count("gpt-4o", text)).isEqualTo(6);
		assertThat(this.counter.count("gpt-4", text)).isEqualTo(6);
		assertThat(this.counter.count("gpt-4o", "こんにちは、世界")).isLessThan(this.counter.count("gpt-4", "こんにちは、世界"));
	}

	@Test
	void otherModelsAreEstimatedHighAtThreeBytesAToken() {
		assertThat(this.counter.exact("claude-sonnet-4-5")).isFalse();
		assertThat(this.counter.count("claude-sonnet-4-5", "Say hello to the budget ledger")).isEqualTo(10);
		assertThat(TokenCounter.estimate("é")).isEqualTo(1);
		assertThat(TokenCounter.estimate("")).isZero();
		// the estimate is above the real count of English text
		String english = "The quick brown fox jumps over the lazy dog while the ledger keeps every cent in its place.";
		assertThat(TokenCounter.estimate(english)).isGreaterThan(this.counter.count("gpt-4o", english));
	}

	@Test
	void specialTokenTextIsCountedAsOrdinaryText() {
		assertThat(this.counter.count("gpt-4o", "<|endoftext|>")).isGreaterThan(1);
	}

}
