package dev.budgetledger.gateway.web;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.budgetledger.gateway.GatewaySettings;

import org.springframework.stereotype.Component;

/**
 * Talks to the providers with the JDK's HTTP client. Every wait is bounded by
 * {@code read-timeout}: for the response status, for a whole non-streamed body, and
 * between two lines of a stream. Failures say how far the request got, because that
 * decides what is charged (docs/charging.md): {@link NotSent} (nothing reached the
 * provider), {@link NoAnswer} (sent, no status came back: the outcome cannot be known).
 * <p>
 * One failure is neither: a kept-alive connection that the provider had already closed
 * when the request went out. The JDK's client retries that only for idempotent methods,
 * and these calls are POSTs, so it fails them with an end of stream before any byte of an
 * answer. Such a failure that comes at once (within {@link #STALE_WINDOW}) is sent again,
 * once, on a new connection: the provider closed the connection without reading a request
 * it could act on. The same failure after longer (a load balancer dropping a call the
 * provider was working on) stays "no answer", charged as docs/charging.md says.
 */
@Component
class Upstream {

	/**
	 * How soon an end of stream before any answer byte must come for it to be a stale
	 * kept-alive connection.
	 */
	static final Duration STALE_WINDOW = Duration.ofMillis(500);

	private static final Logger log = LoggerFactory.getLogger(Upstream.class);

	private final HttpClient client;

	private final Duration readTimeout;

	Upstream(GatewaySettings settings) {
		this.client = HttpClient.newBuilder()
			.connectTimeout(settings.connectTimeout())
			.version(HttpClient.Version.HTTP_1_1)
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
		this.readTimeout = settings.readTimeout();
	}

	private HttpRequest request(URI uri, Map<String, String> headers, byte[] body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri)
			.timeout(this.readTimeout)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		headers.forEach(request::header);
		return request.build();
	}

	/** A whole (non-streamed) answer. */
	Answer send(URI uri, Map<String, String> headers, byte[] body) throws NotSent, NoAnswer, InterruptedException {
		HttpRequest request = request(uri, headers, body);
		for (int attempt = 1;; attempt++) {
			long started = System.nanoTime();
			CompletableFuture<HttpResponse<byte[]>> future = this.client.sendAsync(request,
					HttpResponse.BodyHandlers.ofByteArray());
			try {
				HttpResponse<byte[]> response = future.get(this.readTimeout.toMillis(), TimeUnit.MILLISECONDS);
				return new Answer(response.statusCode(), response.headers(), response.body());
			}
			catch (TimeoutException ex) {
				future.cancel(true);
				throw new NoAnswer("no complete answer within " + this.readTimeout, ex);
			}
			catch (ExecutionException ex) {
				if (attempt > 1 || !stale(ex.getCause(), started)) {
					throw rethrow(ex.getCause());
				}
			}
		}
	}

	/**
	 * A streamed answer: returns once the status and headers are in, and the body is read
	 * line by line.
	 */
	Lines open(URI uri, Map<String, String> headers, byte[] body) throws NotSent, NoAnswer, InterruptedException {
		HttpRequest request = request(uri, headers, body);
		for (int attempt = 1;; attempt++) {
			long started = System.nanoTime();
			LineQueue lines = new LineQueue();
			CompletableFuture<HttpResponse.ResponseInfo> status = new CompletableFuture<>();
			CompletableFuture<HttpResponse<Void>> exchange = this.client.sendAsync(request, info -> {
				status.complete(info);
				return HttpResponse.BodySubscribers.fromLineSubscriber(lines);
			});
			exchange.whenComplete((response, failure) -> {
				if (failure != null) {
					status.completeExceptionally(failure);
					lines.onError(failure);
				}
			});
			try {
				HttpResponse.ResponseInfo info = status.get(this.readTimeout.toMillis(), TimeUnit.MILLISECONDS);
				return new Lines(info.statusCode(), info.headers(), lines, exchange, this.readTimeout);
			}
			catch (TimeoutException ex) {
				exchange.cancel(true);
				throw new NoAnswer("no response status within " + this.readTimeout, ex);
			}
			catch (ExecutionException ex) {
				if (attempt > 1 || !stale(ex.getCause(), started)) {
					throw rethrow(ex.getCause());
				}
			}
		}
	}

	/**
	 * Whether a failure is a kept-alive connection the provider had closed: the stream
	 * ended before any byte of an answer (the JDK's "header parser received no bytes"),
	 * or the connection was reset or broken while the request went out, and all of it
	 * within {@link #STALE_WINDOW} of sending.
	 */
	static boolean stale(@Nullable Throwable cause, long started) {
		if (System.nanoTime() - started > STALE_WINDOW.toNanos()) {
			return false;
		}
		for (Throwable t = cause; t != null; t = t.getCause()) {
			String message = String.valueOf(t.getMessage());
			if (t instanceof IOException && (message.contains("received no bytes")
					|| message.contains("Connection reset") || message.contains("Broken pipe"))) {
				log.debug("Sending again on a new connection: {}", t.toString());
				return true;
			}
		}
		return false;
	}

	private static NoAnswer rethrow(@Nullable Throwable cause) throws NotSent {
		Exception failure = failure(cause);
		if (failure instanceof NotSent notSent) {
			throw notSent;
		}
		return (NoAnswer) failure;
	}

	private static Exception failure(@Nullable Throwable cause) {
		for (Throwable t = cause; t != null; t = t.getCause()) {
			if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
					|| t instanceof UnresolvedAddressException || t instanceof SSLException) {
				return new NotSent(t.toString(), t);
			}
		}
		return new NoAnswer(String.valueOf(cause), cause);
	}

	record Answer(int status, HttpHeaders headers, byte[] body) {
	}

	/**
	 * The body of a streamed answer, one line at a time, each wait bounded by the read
	 * timeout.
	 */
	static final class Lines implements AutoCloseable {

		private final int status;

		private final HttpHeaders headers;

		private final LineQueue queue;

		private final CompletableFuture<?> exchange;

		private final Duration readTimeout;

		Lines(int status, HttpHeaders headers, LineQueue queue, CompletableFuture<?> exchange, Duration readTimeout) {
			this.status = status;
			this.headers = headers;
			this.queue = queue;
			this.exchange = exchange;
			this.readTimeout = readTimeout;
		}

		int status() {
			return this.status;
		}

		HttpHeaders headers() {
			return this.headers;
		}

		/**
		 * The next line, or null at the end of the body; an IOException when the provider
		 * broke off or went quiet.
		 */
		@Nullable String next() throws IOException, InterruptedException {
			return this.queue.take(this.readTimeout);
		}

		/**
		 * Stops reading: the connection is dropped, so the provider sees the request
		 * cancelled.
		 */
		@Override
		public void close() {
			this.queue.cancel();
			this.exchange.cancel(true);
		}

	}

	/**
	 * Lines handed from the HTTP client's thread to the request's thread, a few at a time
	 * (back-pressure).
	 */
	static final class LineQueue implements Flow.Subscriber<String> {

		private static final Object END = new Object();

		private static final int WINDOW = 64;

		private final LinkedBlockingQueue<Object> items = new LinkedBlockingQueue<>();

		private volatile Flow.@Nullable Subscription subscription;

		private volatile boolean cancelled;

		@Override
		public void onSubscribe(Flow.Subscription subscription) {
			this.subscription = subscription;
			if (this.cancelled) {
				subscription.cancel();
				return;
			}
			subscription.request(WINDOW);
		}

		@Override
		public void onNext(String line) {
			this.items.add(line);
		}

		@Override
		public void onError(Throwable failure) {
			this.items.add(failure);
		}

		@Override
		public void onComplete() {
			this.items.add(END);
		}

		@Nullable String take(Duration timeout) throws IOException, InterruptedException {
			Object item = this.items.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (item == null) {
				throw new IOException("the provider sent nothing for " + timeout);
			}
			if (item == END) {
				this.items.add(END);
				return null;
			}
			if (item instanceof Throwable failure) {
				this.items.add(failure);
				throw new IOException("the provider broke off: " + failure, failure);
			}
			Flow.Subscription current = this.subscription;
			if (current != null) {
				current.request(1);
			}
			return (String) item;
		}

		void cancel() {
			this.cancelled = true;
			Flow.Subscription current = this.subscription;
			if (current != null) {
				current.cancel();
			}
		}

	}

	/**
	 * Nothing reached the provider: connection refused, name not resolved, TLS failed.
	 * Nothing is charged.
	 */
	static final class NotSent extends Exception {

		NotSent(String message, Throwable cause) {
			super(message, cause, false, false);
		}

	}

	/**
	 * The request may have reached the provider, but no answer came back: the outcome
	 * cannot be known.
	 */
	static final class NoAnswer extends Exception {

		NoAnswer(String message, @Nullable Throwable cause) {
			super(message, cause, false, false);
		}

	}

}
