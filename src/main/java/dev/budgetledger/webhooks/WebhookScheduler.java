package dev.budgetledger.webhooks;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the dispatcher on a thread of its own, so slow receivers never hold up the shared
 * scheduler (the expiry sweep) and nothing here ever runs on a request thread.
 */
@Component
class WebhookScheduler implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(WebhookScheduler.class);

	private final WebhookDispatcher dispatcher;

	private final WebhookSettings settings;

	private @Nullable ScheduledExecutorService scheduler;

	WebhookScheduler(WebhookDispatcher dispatcher, WebhookSettings settings) {
		this.dispatcher = dispatcher;
		this.settings = settings;
	}

	@Override
	public synchronized void start() {
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
			Thread thread = new Thread(runnable, "webhook-dispatcher");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.settings.pollInterval().toMillis();
		executor.scheduleWithFixedDelay(this::run, interval, interval, TimeUnit.MILLISECONDS);
		this.scheduler = executor;
	}

	private void run() {
		try {
			this.dispatcher.runOnce();
		}
		catch (RuntimeException ex) {
			// The next run retries; a database outage must not end the schedule.
			log.warn("Webhook dispatch failed: {}", ex.getMessage());
		}
	}

	/**
	 * Lets the calls in flight finish (each is bounded by the timeouts) before the
	 * database goes away, so their results are recorded instead of waiting for their
	 * claims to lapse.
	 */
	@Override
	public synchronized void stop() {
		ScheduledExecutorService executor = this.scheduler;
		if (executor == null) {
			return;
		}
		this.scheduler = null;
		executor.shutdown();
		try {
			long bound = this.settings.connectTimeout().plus(this.settings.readTimeout()).toMillis() + 1000;
			if (!executor.awaitTermination(bound, TimeUnit.MILLISECONDS)) {
				executor.shutdownNow();
			}
			this.dispatcher.awaitIdle(Duration.ofMillis(bound));
		}
		catch (InterruptedException ex) {
			executor.shutdownNow();
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

}
