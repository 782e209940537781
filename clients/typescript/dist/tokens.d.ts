type EncodingName = 'o200k_base' | 'cl100k_base';
/** An image part: what OpenAI bills for one 1024x1024 high-detail tile set; Anthropic's is about the same order. */
export declare const IMAGE_TOKENS = 1600;
/** Strips a provider prefix ("openai/gpt-4o") for the tokenizer and model-family checks. */
export declare function bareModel(model: string): string;
/** The tokenizer of an OpenAI model, or undefined when the model is not one whose tokenizer is known. */
export declare function encodingOf(model: string): EncodingName | undefined;
/** OpenAI's reasoning models bill hidden reasoning tokens that a stream never shows (docs/charging.md). */
export declare function isReasoningModel(model: string): boolean;
/** ceil(UTF-8 bytes / 3): the documented estimate where no tokenizer is known. */
export declare function estimateTokens(text: string): number;
/** Tokens of a piece of output text: the model's tokenizer if it has one, else the estimate. */
export declare function countText(model: string, text: string): Promise<number>;
/**
 * Input tokens of an OpenAI chat completions request: each message's fields through the model's tokenizer plus 3
 * for the message (1 more for a name), 3 for the reply, and the tools' JSON. A model without a known tokenizer
 * (an OpenAI-compatible server's) gets the byte estimate.
 */
export declare function countChatInput(model: string, body: Record<string, unknown>): Promise<number>;
/**
 * Input tokens of an OpenAI Responses request: the instructions, each input item's text (3 more for each item) and
 * the tools' JSON through the model's tokenizer, 3 for the reply; the byte estimate for a model without one. Input
 * kept on the server (`previous_response_id`, `conversation`) cannot be seen here: the settle charges it.
 */
export declare function countResponsesInput(model: string, body: Record<string, unknown>): Promise<number>;
/** Input tokens of an embeddings request: every input string through the tokenizer (token arrays as they are). */
export declare function countEmbeddingInput(model: string, input: unknown): Promise<number>;
/**
 * The documented estimate for Anthropic messages (no public tokenizer for Claude models): ceil(UTF-8 bytes of the
 * messages' text, the system prompt and the tools / 3) + 8 per message, images at a fixed count.
 */
export declare function estimateAnthropicInput(body: Record<string, unknown>): number;
export {};
//# sourceMappingURL=tokens.d.ts.map