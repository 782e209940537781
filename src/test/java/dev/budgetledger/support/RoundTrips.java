package dev.budgetledger.support;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts the database round trips an HTTP request makes, from the first filter (so the
 * API key lookup counts) to the response: every statement executed (a JDBC batch is one),
 * every commit, rollback and savepoint. Connections are wrapped outside the pool, so the
 * pool's own validation queries are not counted. Only work done on a request's thread
 * while it is being served is counted, so background jobs do not disturb the figure.
 */
@TestConfiguration(proxyBeanMethods = false)
public class RoundTrips {

	private static final Set<String> STATEMENT_CALLS = Set.of("execute", "executeQuery", "executeUpdate",
			"executeLargeUpdate", "executeBatch", "executeLargeBatch");

	private static final Set<String> CONNECTION_CALLS = Set.of("commit", "rollback", "setSavepoint",
			"releaseSavepoint");

	private static final ThreadLocal<Boolean> serving = ThreadLocal.withInitial(() -> false);

	private final List<String> calls = new ArrayList<>();

	/** Forgets what was counted so far. */
	public synchronized void reset() {
		this.calls.clear();
	}

	/**
	 * What requests have sent to the database since the last reset: SQL, or the
	 * connection call.
	 */
	public synchronized List<String> calls() {
		return List.copyOf(this.calls);
	}

	private synchronized void record(String call) {
		if (serving.get()) {
			this.calls.add(call);
		}
	}

	@Bean
	static BeanPostProcessor roundTripCountingDataSource(RoundTrips roundTrips) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				return (bean instanceof DataSource dataSource) ? roundTrips.wrap(dataSource) : bean;
			}
		};
	}

	@Bean
	FilterRegistrationBean<OncePerRequestFilter> roundTripCountingFilter() {
		FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(
				new OncePerRequestFilter() {
					@Override
					protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
							FilterChain chain) throws ServletException, IOException {
						serving.set(true);
						try {
							chain.doFilter(request, response);
						}
						finally {
							serving.set(false);
						}
					}
				});
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

	DataSource wrap(DataSource target) {
		return proxy(DataSource.class, target, (method, args, result) -> (result instanceof Connection connection)
				? proxy(Connection.class, connection, this::connectionCall) : result);
	}

	private Object connectionCall(Method method, Object[] args, Object result) {
		if (CONNECTION_CALLS.contains(method.getName())) {
			record(method.getName());
		}
		if (result instanceof Statement statement) {
			String sql = (args != null && args.length > 0 && args[0] instanceof String text) ? text : "";
			Class<? extends Statement> type = (Class<? extends Statement>) method.getReturnType();
			return proxy(type, statement, (call, callArgs, callResult) -> {
				if (STATEMENT_CALLS.contains(call.getName())) {
					record(!sql.isEmpty() ? sql
							: (callArgs != null && callArgs.length > 0) ? String.valueOf(callArgs[0]) : call.getName());
				}
				return callResult;
			});
		}
		return result;
	}

	private interface After {

		Object apply(Method method, Object[] args, Object result) throws Exception;

	}

	@SuppressWarnings("unchecked")
	private static <T> T proxy(Class<T> type, Object target, After after) {
		InvocationHandler handler = (proxy, method, args) -> {
			if (method.getName().equals("unwrap") && args != null && args[0] instanceof Class<?> wanted
					&& wanted.isInstance(target)) {
				return target;
			}
			if (method.getName().equals("isWrapperFor") && args != null && args[0] instanceof Class<?> wanted
					&& wanted.isInstance(target)) {
				return true;
			}
			Object result;
			try {
				result = method.invoke(target, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getCause();
			}
			return after.apply(method, args, result);
		};
		return (T) Proxy.newProxyInstance(RoundTrips.class.getClassLoader(), new Class<?>[] { type }, handler);
	}

}
