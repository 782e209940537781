package dev.budgetledger.config;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import dev.budgetledger.errors.PayloadTooLargeException;

import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Caps request bodies, whether they announce their length or stream it chunked, so a
 * client cannot make the service buffer megabytes of JSON.
 */
@Component
class BodySizeLimitFilter extends OncePerRequestFilter {

	private final long maxBytes;

	private final long maxGatewayBytes;

	private final HandlerExceptionResolver resolver;

	BodySizeLimitFilter(HttpSettings settings, HandlerExceptionResolver handlerExceptionResolver) {
		this.maxBytes = settings.maxBodySize().toBytes();
		this.maxGatewayBytes = settings.maxGatewayBodySize().toBytes();
		this.resolver = handlerExceptionResolver;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		long max = (path.startsWith("/openai/") || path.startsWith("/anthropic/")) ? this.maxGatewayBytes
				: this.maxBytes;
		if (request.getContentLengthLong() > max) {
			this.resolver.resolveException(request, response, null, new PayloadTooLargeException(max));
			return;
		}
		chain.doFilter(new LimitedRequest(request, max), response);
	}

	private static final class LimitedRequest extends HttpServletRequestWrapper {

		private final long maxBytes;

		private LimitedRequest(HttpServletRequest request, long maxBytes) {
			super(request);
			this.maxBytes = maxBytes;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			ServletInputStream delegate = super.getInputStream();
			return new ServletInputStream() {

				private long read;

				@Override
				public int read() throws IOException {
					int b = delegate.read();
					if (b >= 0) {
						count(1);
					}
					return b;
				}

				@Override
				public int read(byte[] buffer, int offset, int length) throws IOException {
					int n = delegate.read(buffer, offset, length);
					if (n > 0) {
						count(n);
					}
					return n;
				}

				private void count(int n) {
					this.read += n;
					if (this.read > LimitedRequest.this.maxBytes) {
						throw new PayloadTooLargeException(LimitedRequest.this.maxBytes);
					}
				}

				@Override
				public boolean isFinished() {
					return delegate.isFinished();
				}

				@Override
				public boolean isReady() {
					return delegate.isReady();
				}

				@Override
				public void setReadListener(ReadListener listener) {
					delegate.setReadListener(listener);
				}

			};
		}

	}

}
