package dev.budgetledger.security;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.support.ResourcePropertySource;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the settings bind from application.properties and the environment, as the service
 * starts with them.
 */
class SecuritySettingsTests {

	private static final String KEY = "bl_live_nONTxey0Jplmbm98NXCIPnF99vciMX9IHfiFCuaHVFM";

	private static final String OTHER_KEY = "bl_live_Q2h3kQ1x9eW8zJm0vT4sYp7RbL6cNd5aFgUiHoVwXyZ";

	@Test
	void withoutAnyEnvironmentThereIsNoAdminKeyAndTheRateLimitIsGenerous() throws IOException {
		SecuritySettings settings = bind(Map.of());

		assertThat(settings.adminKey()).isNull();
		assertThat(settings.rateLimit().requestsPerSecond()).isEqualTo(100);
		assertThat(settings.rateLimit().burst()).isEqualTo(200);
		assertThat(settings.keyCache()).isTrue();
	}

	@Test
	void anInstanceWithoutItsKeyCacheNeverListensAndSoNeverCaches() throws IOException {
		SecuritySettings settings = bind(Map.of("BUDGET_LEDGER_SECURITY_KEY_CACHE", "false"));
		KeyCache cache = new KeyCache(new SimpleDriverDataSource(), settings,
				new StaticListableBeanFactory().getBeanProvider(JdbcConnectionDetails.class));
		byte[] hash = new byte[32];

		cache.start();
		cache.put(hash,
				new ApiKey(UUID.randomUUID(), "k", Role.ADMIN, null, "bl_live_abcdef", Instant.now(), null, null),
				cache.generation());

		assertThat(settings.keyCache()).isFalse();
		assertThat(cache.listening()).isFalse();
		assertThat(cache.get(hash)).isNull();
		cache.stop();
	}

	@Test
	void theShortEnvironmentVariableNamedInTheDocsIsTheAdminKey() throws IOException {
		assertThat(bind(Map.of("BUDGET_LEDGER_ADMIN_KEY", KEY)).adminKey()).isEqualTo(KEY);
	}

	@Test
	void theVariableOfThePropertyItselfWinsOverTheShortOne() throws IOException {
		SecuritySettings settings = bind(
				Map.of("BUDGET_LEDGER_ADMIN_KEY", KEY, "BUDGET_LEDGER_SECURITY_ADMIN_KEY", OTHER_KEY));

		assertThat(settings.adminKey()).isEqualTo(OTHER_KEY);
	}

	@Test
	void theKeyNeverShowsInTheSettingsText() throws IOException {
		assertThat(bind(Map.of("BUDGET_LEDGER_ADMIN_KEY", KEY))).asString()
			.doesNotContain(KEY.substring(8))
			.contains("[PROTECTED]");
	}

	@Test
	void aNonsensicalRateLimitIsRefused() {
		assertThatThrownBy(() -> new SecuritySettings.RateLimit(0, 10)).hasMessageContaining("requests-per-second");
		assertThatThrownBy(() -> new SecuritySettings.RateLimit(Double.NaN, 10))
			.hasMessageContaining("requests-per-second");
		assertThatThrownBy(() -> new SecuritySettings.RateLimit(1, 0)).hasMessageContaining("burst");
	}

	/**
	 * application.properties under a given process environment, highest precedence first
	 * as in Spring Boot.
	 */
	private static SecuritySettings bind(Map<String, Object> environment) throws IOException {
		StandardEnvironment spring = new StandardEnvironment();
		MutablePropertySources sources = spring.getPropertySources();
		sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		sources.addLast(new SystemEnvironmentPropertySource("environment", environment));
		sources.addLast(new ResourcePropertySource("classpath:application.properties"));
		return Binder.get(spring).bindOrCreate("budget-ledger.security", SecuritySettings.class);
	}

}
