package dev.budgetledger.gateway;

import java.time.Duration;
import java.util.UUID;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's tests share one context whose providers are the fakes, on random local
 * ports, with short timeouts so that silence and long streams are quick to show.
 */
abstract class GatewayIntegrationTest extends IntegrationTest {

	static final String OPENAI_KEY = "sk-operator-openai-test";

	static final String ANTHROPIC_KEY = "sk-ant-operator-test";

	static final FakeOpenAi openai = new FakeOpenAi();

	static final FakeAnthropic anthropic = new FakeAnthropic();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void providers(DynamicPropertyRegistry registry) {
		registry.add("budget-ledger.gateway.openai.base-url", () -> openai.url() + "/v1");
		registry.add("budget-ledger.gateway.openai.api-key", () -> OPENAI_KEY);
		registry.add("budget-ledger.gateway.anthropic.base-url", anthropic::url);
		registry.add("budget-ledger.gateway.anthropic.api-key", () -> ANTHROPIC_KEY);
		registry.add("budget-ledger.gateway.read-timeout", () -> "2s");
		registry.add("budget-ledger.gateway.hold-ttl", () -> "3s");
	}

	@BeforeEach
	@AfterEach
	void resetProviders() {
		openai.reset();
		anthropic.reset();
	}

	/**
	 * The official OpenAI SDK pointed at the gateway with a budget-ledger key, no
	 * retries.
	 */
	OpenAIClient openAiClient(String key) {
		return OpenAIOkHttpClient.builder()
			.baseUrl(gateway() + "/openai/v1")
			.apiKey(key)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	String gateway() {
		return "http://127.0.0.1:" + this.port;
	}

	/** The reservation a gateway call made, as the API shows it. */
	Api.Response hold(String id) {
		Api.Response hold = reservation(UUID.fromString(id));
		assertThat(hold.status()).as(hold.toString()).isEqualTo(200);
		return hold;
	}

}
