package dev.budgetledger.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.budgetledger.support.Api;
import dev.budgetledger.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service serves its own contract and a Swagger UI for it, from the jar, to anyone.
 */
class ApiDocsIntegrationTests extends IntegrationTest {

	@Test
	void theContractIsServedAsItIsInTheRepository() throws IOException {
		Api.Response spec = this.api.anonymous().get("/openapi.yaml");

		assertThat(spec.status()).isEqualTo(200);
		assertThat(spec.body()).isEqualTo(Files.readString(Path.of("openapi.yaml")));
	}

	@Test
	void swaggerUiIsServedFromTheJarAndPointsAtTheContract() {
		Api anonymous = this.api.anonymous();

		Api.Response page = anonymous.get("/swagger-ui/index.html");
		Api.Response initializer = anonymous.get("/swagger-ui/initializer.js");
		Api.Response bundle = anonymous.get("/webjars/swagger-ui/swagger-ui-bundle.js");

		assertThat(page.status()).isEqualTo(200);
		assertThat(page.contentType()).startsWith("text/html");
		assertThat(page.body()).contains("/webjars/swagger-ui/swagger-ui-bundle.js", "/swagger-ui/initializer.js")
			.doesNotContain("https://");
		assertThat(initializer.status()).isEqualTo(200);
		assertThat(initializer.body()).contains("url: '/openapi.yaml'");
		assertThat(bundle.status()).isEqualTo(200);
		assertThat(bundle.body()).contains("SwaggerUIBundle");
	}

	@Test
	void theShortAddressLeadsToTheUi() {
		Api.Response redirect = this.api.anonymous().get("/swagger-ui");

		assertThat(redirect.status()).isEqualTo(302);
		assertThat(redirect.header("Location"))
			.hasValueSatisfying(location -> assertThat(location).endsWith("/swagger-ui/index.html"));
	}

}
