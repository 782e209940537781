package dev.budgetledger.security;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * VIEWER keys: the console's read-only role. What each role may call is in
 * {@link AccessMatrixIntegrationTests}; these are the rules around it.
 */
class ViewerKeysIntegrationTests extends IntegrationTest {

	@Test
	void aViewerKeyIsNeverBoundToABudget() {
		UUID budget = createBudget("10");

		Api.Response bound = this.api.post("/v1/api-keys",
				Map.of("name", "bound viewer", "role", "VIEWER", "budgetId", budget));

		assertThat(bound.status()).as(bound.toString()).isEqualTo(400);
		assertThat(bound.text("code")).isEqualTo("VALIDATION_FAILED");
	}

	@Test
	void everyKeyCanAskWhatItIs() {
		UUID budget = createBudget("10");
		String viewer = createKey(Map.of("name", "dashboard", "role", "VIEWER")).text("secret");
		String client = clientKey(budget);

		Api.Response self = this.api.as(viewer).get("/v1/api-keys/self");
		Api.Response clientSelf = this.api.as(client).get("/v1/api-keys/self");

		assertThat(self.status()).as(self.toString()).isEqualTo(200);
		assertThat(self.text("role")).isEqualTo("VIEWER");
		assertThat(self.text("name")).isEqualTo("dashboard");
		assertThat(self.text("id")).isEqualTo(keyIdOf(viewer));
		assertThat(clientSelf.text("role")).isEqualTo("CLIENT");
		assertThat(clientSelf.text("budgetId")).isEqualTo(budget.toString());
	}

	@Test
	void aViewerKeyCannotSpendThroughTheGatewayAndSeesKeyNamesInUsage() {
		UUID budget = createBudget("10");
		String viewer = createKey(Map.of("name", "dashboard", "role", "VIEWER")).text("secret");
		reserveAllowed(budget, "1.00");

		Api.Response chat = this.api.as(viewer)
			.offContract()
			.post("/openai/v1/chat/completions", Map.of("budget", budget.toString(), "model", "gpt-4o", "messages",
					java.util.List.of(Map.of("role", "user", "content", "hi"))));
		Api.Response usage = this.api.as(viewer).get("/v1/budgets/" + budget + "/usage?groupBy=key");

		assertThat(chat.status()).as(chat.toString()).isEqualTo(403);
		assertThat(usage.status()).as(usage.toString()).isEqualTo(200);
		assertThat(usage.json().get("groups").get(0).get("label").asString()).isEqualTo("admin (configured)");
	}

}
