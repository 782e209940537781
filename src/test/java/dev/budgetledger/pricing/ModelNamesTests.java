package dev.budgetledger.pricing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ModelNamesTests {

	@Test
	void aPlainNameIsLookedUpAsItIs() {
		assertThat(ModelNames.candidates("gpt-4o")).containsExactly("gpt-4o");
		assertThat(ModelNames.candidates("gpt-4.1-mini")).containsExactly("gpt-4.1-mini");
	}

	@Test
	void openAiDatedSnapshotsFallBackToTheirFamily() {
		assertThat(ModelNames.candidates("gpt-4o-2024-08-06")).containsExactly("gpt-4o-2024-08-06", "gpt-4o");
		assertThat(ModelNames.candidates("gpt-4o-mini-2024-07-18")).containsExactly("gpt-4o-mini-2024-07-18",
				"gpt-4o-mini");
		assertThat(ModelNames.candidates("o3-2025-04-16")).containsExactly("o3-2025-04-16", "o3");
	}

	@Test
	void anthropicDatedAndLatestIdsFallBackToTheirFamily() {
		assertThat(ModelNames.candidates("claude-sonnet-4-5-20250929")).containsExactly("claude-sonnet-4-5-20250929",
				"claude-sonnet-4-5");
		assertThat(ModelNames.candidates("claude-3-5-haiku-latest")).containsExactly("claude-3-5-haiku-latest",
				"claude-3-5-haiku");
		assertThat(ModelNames.candidates("claude-sonnet-4-5@20250929")).containsExactly("claude-sonnet-4-5@20250929",
				"claude-sonnet-4-5");
	}

	@Test
	void routerPrefixesAreDroppedBeforeTheDate() {
		assertThat(ModelNames.candidates("openai/gpt-4o")).containsExactly("openai/gpt-4o", "gpt-4o");
		assertThat(ModelNames.candidates("openrouter/anthropic/claude-sonnet-4-5-20250929")).containsExactly(
				"openrouter/anthropic/claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5");
	}

	@Test
	void aBedrockVersionGoesWithTheDate() {
		assertThat(ModelNames.candidates("claude-sonnet-4-5-20250929-v1:0")).endsWith("claude-sonnet-4-5");
	}

	@Test
	void nothingElseIsGuessed() {
		// A different model of the same family is not the family: it stays unknown rather
		// than mispriced.
		assertThat(ModelNames.candidates("gpt-4o-audio-preview")).containsExactly("gpt-4o-audio-preview");
		assertThat(ModelNames.candidates("gpt-4o-2024")).containsExactly("gpt-4o-2024");
		assertThat(ModelNames.candidates("openai/")).containsExactly("openai/");
	}

}
