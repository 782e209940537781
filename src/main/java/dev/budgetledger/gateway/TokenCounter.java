package dev.budgetledger.gateway;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

import org.springframework.stereotype.Component;

/**
 * Counts tokens of text for a model: with the model family's real tokenizer where one
 * exists (OpenAI's {@code o200k_base} and {@code cl100k_base}, via jtokkit), otherwise a
 * conservative estimate of one token per three UTF-8 bytes (tokenizers average about four
 * bytes a token on English and code, so this counts high).
 */
@Component
public class TokenCounter {

	/**
	 * Bytes per token of the estimate; below the real average on purpose
	 * (docs/charging.md).
	 */
	public static final int BYTES_PER_TOKEN = 3;

	private final Encoding o200k;

	private final Encoding cl100k;

	public TokenCounter() {
		EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
		this.o200k = registry.getEncoding(EncodingType.O200K_BASE);
		this.cl100k = registry.getEncoding(EncodingType.CL100K_BASE);
	}

	/** Tokens of {@code text} for {@code model}. */
	public long count(String model, String text) {
		if (text.isEmpty()) {
			return 0;
		}
		return encodingOf(model).map(encoding -> (long) encoding.countTokensOrdinary(text))
			.orElseGet(() -> estimate(text));
	}

	/** Whether {@link #count} is the model's real tokenizer rather than the estimate. */
	public boolean exact(String model) {
		return encodingOf(model).isPresent();
	}

	/** The estimate: one token per three UTF-8 bytes, rounded up. */
	public static long estimate(String text) {
		return estimateBytes(text.getBytes(StandardCharsets.UTF_8).length);
	}

	/** The estimate for {@code bytes} UTF-8 bytes of text. */
	public static long estimateBytes(long bytes) {
		return (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
	}

	/**
	 * OpenAI's encodings by model family (as tiktoken maps them); no other provider
	 * publishes its tokenizer.
	 */
	Optional<Encoding> encodingOf(String model) {
		String name = model.substring(model.lastIndexOf('/') + 1);
		if (name.startsWith("gpt-4o") || name.startsWith("chatgpt-4o") || name.startsWith("gpt-4.1")
				|| name.startsWith("gpt-4.5") || name.startsWith("gpt-5") || name.startsWith("o1")
				|| name.startsWith("o3") || name.startsWith("o4") || name.startsWith("gpt-oss")) {
			return Optional.of(this.o200k);
		}
		if (name.startsWith("gpt-4") || name.startsWith("gpt-3.5") || name.startsWith("text-embedding-")) {
			return Optional.of(this.cl100k);
		}
		return Optional.empty();
	}

}
