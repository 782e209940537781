package dev.budgetledger.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.budgetledger.BudgetLedgerApplication;
import dev.budgetledger.support.TcpProxy;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway seen from outside: its metrics, and what it does when the ledger's database
 * is gone.
 */
class GatewayOperationsIntegrationTests extends GatewayIntegrationTest {

	@Autowired
	DataSource dataSource;

	private static OpenAIClient client(int port, String key) {
		return OpenAIOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + port + "/openai/v1")
			.apiKey(key)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	private static ChatCompletionCreateParams chat(long maxTokens) {
		return ChatCompletionCreateParams.builder()
			.model("openai/gpt-4o-mini-2024-07-18")
			.addUserMessage("Say hello to the budget ledger")
			.maxCompletionTokens(maxTokens)
			.build();
	}

	@Test
	void callsAreCountedByProviderModelAndOutcomeAndTheirLatencyIsSplit() {
		UUID budget = createBudget("0.001");
		String key = clientKey(budget);
		client(this.port, key).chat().completions().create(chat(100));
		assertThatThrownBy(() -> client(this.port, key).chat().completions().create(chat(100_000)))
			.isInstanceOf(OpenAIServiceException.class);

		String exposed = this.api.get("/actuator/prometheus").body();

		assertThat(exposed).containsPattern(
				"budget_ledger_gateway_calls_total\\{[^}]*model=\"gpt-4o-mini\"[^}]*outcome=\"allowed\"[^}]*provider=\"openai\"[^}]*} [1-9]");
		assertThat(exposed).containsPattern(
				"budget_ledger_gateway_calls_total\\{[^}]*model=\"gpt-4o-mini\"[^}]*outcome=\"denied\"[^}]*provider=\"openai\"[^}]*} [1-9]");
		assertThat(exposed)
			.containsPattern("budget_ledger_gateway_upstream_seconds_count\\{[^}]*provider=\"openai\"[^}]*} [1-9]");
		assertThat(exposed)
			.containsPattern("budget_ledger_gateway_overhead_seconds_count\\{[^}]*provider=\"openai\"[^}]*} [1-9]");
		// tagged by the catalog entry, so however callers spell a model the series stay
		// few
		assertThat(exposed).doesNotContain("model=\"openai/gpt-4o-mini-2024-07-18\"");
		// the provider's key is nowhere in what the service exposes
		assertThat(exposed).doesNotContain(OPENAI_KEY);
	}

	@Test
	void withoutItsDatabaseTheGatewayFailsClosedInTheProvidersShape() throws Exception {
		UUID budget = createBudget("10.00");
		String key = clientKey(budget);
		HikariDataSource pool = this.dataSource.unwrap(HikariDataSource.class);
		URI database = URI.create(pool.getJdbcUrl().substring(5));
		try (TcpProxy proxy = new TcpProxy(database.getHost(), database.getPort());
				ConfigurableApplicationContext instance = new SpringApplicationBuilder(BudgetLedgerApplication.class)
					.run("--server.port=0",
							"--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath()
									+ ((database.getQuery() != null) ? "?" + database.getQuery() : ""),
							"--spring.datasource.username=" + pool.getUsername(),
							"--spring.datasource.password=" + pool.getPassword(),
							"--budget-ledger.security.admin-key=" + ADMIN_KEY,
							"--budget-ledger.reservations.sweep-interval=1h", "--spring.flyway.enabled=false",
							"--budget-ledger.gateway.openai.base-url=" + openai.url() + "/v1",
							"--budget-ledger.gateway.openai.api-key=" + OPENAI_KEY)) {
			int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
			client(port, key).chat().completions().create(chat(100));
			assertThat(openai.received).hasSize(1);

			proxy.cut();

			assertThatThrownBy(() -> client(port, key).chat().completions().create(chat(100)))
				.isInstanceOfSatisfying(OpenAIServiceException.class, error -> {
					assertThat(error.statusCode()).isEqualTo(503);
					assertThat(error.code()).hasValue("ledger_unavailable");
				});
			assertThat(openai.received).hasSize(1);
			proxy.restore();
		}
		assertReconciled(budget, "0.000027", "0");
	}

	@Test
	void aProviderThatCannotBeReachedIsAnsweredBadGatewayAndItsHoldReleased() throws Exception {
		UUID budget = createBudget("10.00");
		String key = clientKey(budget);
		int closedPort;
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
				java.net.InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort(); // nothing listens there once it is closed
		}
		HikariDataSource pool = this.dataSource.unwrap(HikariDataSource.class);
		try (ConfigurableApplicationContext instance = new SpringApplicationBuilder(BudgetLedgerApplication.class).run(
				"--server.port=0", "--spring.datasource.url=" + pool.getJdbcUrl(),
				"--spring.datasource.username=" + pool.getUsername(),
				"--spring.datasource.password=" + pool.getPassword(), "--budget-ledger.security.admin-key=" + ADMIN_KEY,
				"--budget-ledger.reservations.sweep-interval=1h", "--spring.flyway.enabled=false",
				"--budget-ledger.gateway.openai.base-url=http://127.0.0.1:" + closedPort + "/v1",
				"--budget-ledger.gateway.openai.api-key=" + OPENAI_KEY)) {
			int port = ((WebServerApplicationContext) instance).getWebServer().getPort();

			assertThatThrownBy(() -> client(port, key).chat().completions().create(chat(100)))
				.isInstanceOfSatisfying(OpenAIServiceException.class, error -> {
					assertThat(error.statusCode()).isEqualTo(502);
					assertThat(error.code()).hasValue("upstream_unreachable");
				});
		}
		UUID hold = this.jdbc.sql("SELECT id FROM reservations WHERE budget_id = :id")
			.param("id", budget)
			.query(UUID.class)
			.single();
		assertThat(reservation(hold).text("status")).isEqualTo("RELEASED");
		assertReconciled(budget, "0", "0");
	}

}
