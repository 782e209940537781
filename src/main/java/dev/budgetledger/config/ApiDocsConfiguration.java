package dev.budgetledger.config;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The API documentation: {@code /openapi.yaml} (the top-level file, packaged into the
 * jar's static resources by the build) and Swagger UI at {@code /swagger-ui/} (the
 * swagger-ui webjar with a small page of ours pointing at it).
 */
@Configuration(proxyBeanMethods = false)
class ApiDocsConfiguration implements WebMvcConfigurer {

	@Override
	public void addViewControllers(ViewControllerRegistry registry) {
		registry.addRedirectViewController("/swagger-ui", "/swagger-ui/index.html");
		registry.addRedirectViewController("/swagger-ui/", "/swagger-ui/index.html");
	}

}
