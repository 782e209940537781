package dev.budgetledger.errors;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Base of every business error. Each feature declares one subclass per error it can
 * raise; the {@link ProblemHandler} turns them into problem+json. Throwing one rolls the
 * surrounding transaction back, so a rejected request changes nothing.
 */
public abstract class ApiException extends RuntimeException {

	private final ProblemType problem;

	private final Map<String, @Nullable Object> properties = new LinkedHashMap<>();

	private final Map<String, String> headers = new LinkedHashMap<>();

	protected ApiException(ProblemType problem, String detail) {
		super(detail, null, false, false);
		this.problem = problem;
	}

	protected final void with(String name, @Nullable Object value) {
		this.properties.put(name, value);
	}

	/**
	 * A response header the problem needs, such as {@code WWW-Authenticate} or
	 * {@code Retry-After}.
	 */
	protected final void header(String name, String value) {
		this.headers.put(name, value);
	}

	public ProblemType problem() {
		return this.problem;
	}

	public Map<String, @Nullable Object> properties() {
		return this.properties;
	}

	public Map<String, String> headers() {
		return this.headers;
	}

}
