package dev.budgetledger.security;

import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;

/**
 * Who may call what. Every request needs {@code Authorization: Bearer <api key>}
 * ({@code x-api-key} also on the gateway's paths), except the health probes and the API
 * documentation ({@code /openapi.yaml}, {@code /swagger-ui/}). Stateless: no sessions, no
 * cookies, hence no CSRF (a browser never sends the key on its own).
 * <p>
 * Roles decide which endpoints a key may call (here); a key bound to a budget is further
 * limited to that budget's subtree by the controllers, through {@code BudgetScope},
 * because only they know which budget a request touches.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	private static final String ADMIN = Role.ADMIN.name();

	private static final String CLIENT = Role.CLIENT.name();

	private static final String VIEWER = Role.VIEWER.name();

	static final String CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
			+ "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

	/**
	 * Liveness and readiness probes carry no key; health shows statuses only, never
	 * details.
	 */
	@Bean
	@Order(1)
	SecurityFilterChain healthChain(HttpSecurity http) throws Exception {
		return stateless(http).securityMatcher(EndpointRequest.to("health"))
			.authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
			.build();
	}

	/**
	 * The API contract and the Swagger UI that renders it are public documentation: no
	 * key, whatever header comes along (the UI's "Try it out" sends the key to the API,
	 * which checks it as always). So is the icon every browser asks for on every page of
	 * the console and the UI; behind the key it was a 401 in the console of each load.
	 */
	@Bean
	@Order(0)
	SecurityFilterChain docsChain(HttpSecurity http) throws Exception {
		return stateless(http)
			.securityMatcher("/openapi.yaml", "/swagger-ui", "/swagger-ui/**", "/webjars/swagger-ui/**", "/favicon.ico")
			.authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
			.build();
	}

	/**
	 * The console's own files are public (they hold no data; the browser then calls /v1
	 * with the admin key the operator types in). Only reading is allowed, under a
	 * Content-Security-Policy that runs no inline script and lets the pages talk to this
	 * origin only.
	 */
	@Bean
	@Order(2)
	SecurityFilterChain consoleChain(HttpSecurity http, SecurityProblems problems) throws Exception {
		return stateless(http).securityMatcher("/console", "/console/**")
			.headers(headers -> headers.contentSecurityPolicy(csp -> csp.policyDirectives(CONSOLE_CSP)))
			.exceptionHandling(
					exceptions -> exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
			.authorizeHttpRequests(requests -> requests.dispatcherTypeMatchers(DispatcherType.ERROR)
				.permitAll()
				.requestMatchers(HttpMethod.GET, "/console", "/console/**")
				.permitAll()
				.anyRequest()
				.denyAll())
			.build();
	}

	@Bean
	@Order(3)
	SecurityFilterChain apiChain(HttpSecurity http, ApiKeyAuthenticationProvider provider, SecurityProblems problems,
			RateLimiter limiter, HandlerExceptionResolver handlerExceptionResolver,
			ObjectProvider<GatewayErrorWriter> gatewayErrors) throws Exception {
		AuthenticationFilter authentication = new AuthenticationFilter(new ProviderManager(provider),
				new BearerKeyConverter());
		// Authenticated: carry on down the chain (the default handler would redirect, as
		// after a form login).
		authentication.setSuccessHandler((request, response, auth) -> {
		});
		authentication.setFailureHandler(new AuthenticationEntryPointFailureHandler(problems));
		return stateless(http).addFilterAt(authentication, AuthenticationFilter.class)
			.addFilterBefore(new DatabaseFailureFilter(handlerExceptionResolver, gatewayErrors),
					AuthenticationFilter.class)
			.addFilterAfter(new RateLimitFilter(limiter, problems), AuthenticationFilter.class)
			.exceptionHandling(
					exceptions -> exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
			.authorizeHttpRequests(requests -> requests
				// An error dispatch only renders the error of a request that was already
				// let through.
				.dispatcherTypeMatchers(DispatcherType.ERROR)
				.permitAll()
				.requestMatchers(HttpMethod.GET, "/v1/budgets", "/v1/budgets/*", "/v1/budgets/*/entries",
						"/v1/budgets/*/children", "/v1/budgets/*/tree", "/v1/budgets/*/periods", "/v1/reservations/*",
						"/v1/prices", "/v1/prices/*", "/v1/events")
				.hasAnyRole(ADMIN, CLIENT, VIEWER)
				// Usage reports, denials and the reservation list (the controllers keep a
				// bound key in its scope).
				.requestMatchers(HttpMethod.GET, "/v1/budgets/*/usage", "/v1/budgets/*/denials", "/v1/reservations")
				.hasAnyRole(ADMIN, CLIENT, VIEWER)
				// Every key may ask what it is; the console reads the list of keys
				// (names, prefixes, never a secret).
				.requestMatchers(HttpMethod.GET, "/v1/api-keys/self")
				.hasAnyRole(ADMIN, CLIENT, VIEWER)
				.requestMatchers(HttpMethod.GET, "/v1/api-keys", "/v1/api-keys/*")
				.hasAnyRole(ADMIN, VIEWER)
				.requestMatchers(HttpMethod.POST, "/v1/reservations", "/v1/decisions", "/v1/reservations/*/settle",
						"/v1/reservations/*/release", "/v1/reservations/*/extend")
				.hasAnyRole(ADMIN, CLIENT)
				// The LLM gateway (docs/gateway.md): a call through it is a reserve and a
				// settle.
				.requestMatchers(HttpMethod.POST, "/openai/v1/**", "/anthropic/v1/**")
				.hasAnyRole(ADMIN, CLIENT)
				// A direct charge books a CLIENT's own spend (the controller keeps a
				// bound key in its scope).
				.requestMatchers(HttpMethod.POST, "/v1/budgets/*/charges")
				.hasAnyRole(ADMIN, CLIENT)
				// Budgets and prices changes, API keys, the audit log, actuator endpoints
				// and anything unknown.
				.anyRequest()
				.hasRole(ADMIN))
			.build();
	}

	/**
	 * No observation (timer, span) per security filter, per authentication and per
	 * authorization: wrapping each of the chain's dozen filters cost about 8 % of the
	 * service's CPU on the reserve path (docs/benchmarks.md). The request as a whole is
	 * still observed ({@code http.server.requests}), security failures show there as
	 * 401/403.
	 */
	@Bean
	SecurityObservationSettings noFilterObservations() {
		return SecurityObservationSettings.noObservations();
	}

	/**
	 * Refused URLs (encoded slashes, "..", ...) get a problem+json 400 like any other bad
	 * request.
	 */
	@Bean
	WebSecurityCustomizer rejectedRequestsAsProblems(SecurityProblems problems) {
		return web -> web.requestRejectedHandler(problems);
	}

	private static HttpSecurity stateless(HttpSecurity http) throws Exception {
		return http.csrf(csrf -> csrf.disable())
			.sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.requestCache(cache -> cache.disable())
			.httpBasic(basic -> basic.disable())
			.formLogin(form -> form.disable())
			.logout(logout -> logout.disable());
	}

}
