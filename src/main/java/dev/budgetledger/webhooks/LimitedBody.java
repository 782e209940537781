package dev.budgetledger.webhooks;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * Keeps the first bytes of a receiver's answer (for the delivery log) and drains the
 * rest, so a receiver that answers with a huge body costs no memory.
 */
final class LimitedBody implements Flow.Subscriber<List<ByteBuffer>> {

	static final int LIMIT = 1024;

	private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

	static HttpResponse.BodyHandler<String> handler() {
		return info -> {
			LimitedBody body = new LimitedBody();
			return HttpResponse.BodySubscribers.fromSubscriber(body, LimitedBody::text);
		};
	}

	@Override
	public void onSubscribe(Flow.Subscription subscription) {
		subscription.request(Long.MAX_VALUE);
	}

	@Override
	public void onNext(List<ByteBuffer> buffers) {
		for (ByteBuffer buffer : buffers) {
			while (buffer.hasRemaining() && this.kept.size() < LIMIT) {
				this.kept.write(buffer.get());
			}
			buffer.position(buffer.limit());
		}
	}

	@Override
	public void onError(Throwable throwable) {
	}

	@Override
	public void onComplete() {
	}

	String text() {
		String text = this.kept.toString(StandardCharsets.UTF_8);
		return (text.length() > LIMIT) ? text.substring(0, LIMIT) : text;
	}

}
