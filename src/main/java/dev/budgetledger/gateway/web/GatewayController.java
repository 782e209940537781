package dev.budgetledger.gateway.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.budgetledger.gateway.GatewaySettings;
import dev.budgetledger.security.Caller;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The provider-compatible endpoints: an SDK pointed at {@code <service>/openai/v1} or
 * {@code <service>/anthropic} calls these exactly as it would call the provider
 * (docs/gateway.md). Answers, errors included, are in the provider's shape, written by
 * {@link Relay}.
 */
@RestController
class GatewayController {

	private final Relay relay;

	private final GatewaySettings settings;

	private final OpenAiChat chat;

	private final OpenAiEmbeddings embeddings;

	private final OpenAiResponses responses;

	private final AnthropicMessages messages;

	GatewayController(Relay relay, GatewaySettings settings, OpenAiChat chat, OpenAiEmbeddings embeddings,
			OpenAiResponses responses, AnthropicMessages messages) {
		this.relay = relay;
		this.settings = settings;
		this.chat = chat;
		this.embeddings = embeddings;
		this.responses = responses;
		this.messages = messages;
	}

	@PostMapping("/openai/v1/chat/completions")
	void chatCompletions(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response,
			@AuthenticationPrincipal Caller caller) throws IOException {
		this.relay.handle(this.chat, this.settings.openai(), caller, body, request, response);
	}

	@PostMapping("/openai/v1/embeddings")
	void embeddings(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response,
			@AuthenticationPrincipal Caller caller) throws IOException {
		this.relay.handle(this.embeddings, this.settings.openai(), caller, body, request, response);
	}

	@PostMapping("/openai/v1/responses")
	void responses(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response,
			@AuthenticationPrincipal Caller caller) throws IOException {
		this.relay.handle(this.responses, this.settings.openai(), caller, body, request, response);
	}

	@PostMapping("/anthropic/v1/messages")
	void messages(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response,
			@AuthenticationPrincipal Caller caller) throws IOException {
		this.relay.handle(this.messages, this.settings.anthropic(), caller, body, request, response);
	}

}
