package dev.budgetledger.console;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the console's entry page at {@code /console/}; its files are plain static
 * resources under {@code classpath:/static/console/}, so the jar carries them and nothing
 * is fetched from elsewhere at run time.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleConfiguration implements WebMvcConfigurer {

	@Override
	public void addViewControllers(ViewControllerRegistry registry) {
		// Relative module URLs in index.html resolve against /console/, so the bare path
		// redirects there. With an
		// explicit status the Location stays relative, so it is right behind a proxy that
		// rewrites host or scheme.
		registry.addRedirectViewController("/console", "/console/").setStatusCode(HttpStatus.FOUND);
		registry.addViewController("/console/").setViewName("forward:/console/index.html");
	}

}
