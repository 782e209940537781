package dev.budgetledger.gateway;

import java.util.List;
import java.util.UUID;

import com.openai.core.http.HttpResponseFor;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;

import static org.assertj.core.api.Assertions.assertThat;

/** Embeddings through the gateway with the official OpenAI Java SDK. */
class OpenAiEmbeddingsGatewayIntegrationTests extends GatewayIntegrationTest {

	@Test
	void anEmbeddingHoldsItsCountedInputAndIsSettledFromTheReportedTokens() {
		UUID budget = createBudget("1.00");
		openai.usage = new FakeProvider.Usage(7, 0, 0, 0, 0);

		HttpResponseFor<CreateEmbeddingResponse> response = openAiClient(clientKey(budget)).embeddings()
			.withRawResponse()
			.create(EmbeddingCreateParams.builder()
				.model("text-embedding-3-small")
				.inputOfArrayOfStrings(List.of("budget ledger", "two-phase holds on PostgreSQL"))
				.build());

		assertThat(response.parse().data()).hasSize(1);
		assertThat(openai.last().path()).isEqualTo("/v1/embeddings");
		Api.Response hold = hold(response.headers().values("X-Budget-Hold-Id").get(0));
		// cl100k_base: "budget" " ledger", and "two" "-phase" " holds" " on" "
		// PostgreSQL"
		assertThat(hold.json().get("inputTokens").asLong()).isEqualTo(7);
		assertThat(hold.json().get("maxOutputTokens").asLong()).isZero();
		assertThat(hold.json().get("settledInputTokens").asLong()).isEqualTo(7);
		// 7 x 0.02, per million
		assertReconciled(budget, "0.00000014", "0");
	}

}
