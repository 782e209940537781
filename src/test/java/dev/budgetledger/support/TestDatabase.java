package dev.budgetledger.support;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.test.context.DynamicPropertyRegistrar;

/**
 * The real PostgreSQL every integration test runs on, fresh for each test run:
 * <ol>
 * <li>the server named by {@code BUDGET_LEDGER_TEST_DATABASE_URL} if set (a new database is created on it);</li>
 * <li>otherwise a Testcontainers PostgreSQL if Docker works;</li>
 * <li>otherwise the server on {@code localhost:5432} (a new database is created on it).</li>
 * </ol>
 * Never a mock, never H2.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestDatabase {

	@Bean
	@ServiceConnection
	@Conditional(UseContainer.class)
	PostgreSQLContainer postgres() {
		return new PostgreSQLContainer(DockerImageName.parse("postgres:17-alpine"));
	}

	@Bean
	@Conditional(UseServer.class)
	DynamicPropertyRegistrar serverDatabase() {
		LocalDatabase database = LocalDatabase.shared();
		return registry -> {
			registry.add("spring.datasource.url", database::url);
			registry.add("spring.datasource.username", database::username);
			registry.add("spring.datasource.password", database::password);
		};
	}

	static boolean useContainer() {
		return System.getenv(LocalDatabase.URL_VARIABLE) == null && Docker.AVAILABLE;
	}

	static final class UseContainer implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return useContainer();
		}

	}

	static final class UseServer implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return !useContainer();
		}

	}

	/** Asked once per JVM: probing for a Docker engine that is not there takes a moment. */
	private static final class Docker {

		static final boolean AVAILABLE = probe();

		private static boolean probe() {
			try {
				return DockerClientFactory.instance().isDockerAvailable();
			}
			catch (RuntimeException ex) {
				return false;
			}
		}

	}

}
