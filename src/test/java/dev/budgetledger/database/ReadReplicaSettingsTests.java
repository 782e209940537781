package dev.budgetledger.database;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.support.ResourcePropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the read replica's settings bind from application.properties and the environment.
 */
class ReadReplicaSettingsTests {

	@Test
	void withoutAUrlThereIsNoReplicaAndTheBoundIsTenSeconds() throws IOException {
		ReadReplicaSettings settings = bind(Map.of());

		assertThat(settings.url()).isNull();
		assertThat(settings.maxLag()).isEqualTo(Duration.ofSeconds(10));
		assertThat(settings.maximumPoolSize()).isEqualTo(4);
	}

	@Test
	void theEnvironmentNamesTheStandbyAndItsBound() throws IOException {
		ReadReplicaSettings settings = bind(
				Map.of("BUDGET_LEDGER_READ_REPLICA_URL", "jdbc:postgresql://standby:5432/postgres",
						"BUDGET_LEDGER_READ_REPLICA_MAX_LAG", "3s", "BUDGET_LEDGER_READ_REPLICA_PASSWORD", "s3cret"));

		assertThat(settings.url()).isEqualTo("jdbc:postgresql://standby:5432/postgres");
		assertThat(settings.maxLag()).isEqualTo(Duration.ofSeconds(3));
		assertThat(settings).asString().doesNotContain("s3cret").contains("[PROTECTED]");
	}

	@Test
	void aUrlThatIsNotPostgreSqlOrABoundThatIsNotPositiveIsRefused() {
		assertThatThrownBy(
				() -> new ReadReplicaSettings("jdbc:mysql://standby/db", null, null, Duration.ofSeconds(1), 4))
			.hasMessageContaining("read-replica.url");
		assertThatThrownBy(() -> new ReadReplicaSettings(null, null, null, Duration.ZERO, 4))
			.hasMessageContaining("max-lag");
		assertThatThrownBy(() -> new ReadReplicaSettings(null, null, null, Duration.ofSeconds(1), 0))
			.hasMessageContaining("maximum-pool-size");
	}

	private static ReadReplicaSettings bind(Map<String, Object> environment) throws IOException {
		StandardEnvironment spring = new StandardEnvironment();
		MutablePropertySources sources = spring.getPropertySources();
		sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		sources.addLast(new SystemEnvironmentPropertySource("environment", environment));
		sources.addLast(new ResourcePropertySource("classpath:application.properties"));
		return Binder.get(spring).bindOrCreate("budget-ledger.read-replica", ReadReplicaSettings.class);
	}

}
