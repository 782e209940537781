/** Chat format overhead per message, and the 3 tokens that prime the reply (OpenAI's published counting). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMER = 3;
/** The estimate's overhead per message. */
const ESTIMATE_PER_MESSAGE = 8;
/** An image part: what OpenAI bills for one 1024x1024 high-detail tile set; Anthropic's is about the same order. */
export const IMAGE_TOKENS = 1600;
const encoders = new Map();
function encoder(name) {
    let loaded = encoders.get(name);
    if (!loaded) {
        // Loaded on first use: the rank tables are megabytes, and an Anthropic-only program never needs them.
        loaded = Promise.all([
            import('js-tiktoken/lite'),
            name === 'o200k_base' ? import('js-tiktoken/ranks/o200k_base') : import('js-tiktoken/ranks/cl100k_base'),
        ]).then(([lite, ranks]) => new lite.Tiktoken(ranks.default), (failure) => {
            encoders.delete(name);
            throw new Error('budget-ledger needs js-tiktoken to count the input of OpenAI models, and it cannot be '
                + 'loaded. Installed from a folder outside your project? npm links such a folder without its dependencies: '
                + 'npm install --install-links <path to clients/typescript>', { cause: failure });
        });
        encoders.set(name, loaded);
    }
    return loaded;
}
/** Strips a provider prefix ("openai/gpt-4o") for the tokenizer and model-family checks. */
export function bareModel(model) {
    const slash = model.lastIndexOf('/');
    return (slash >= 0 ? model.slice(slash + 1) : model).toLowerCase();
}
/** The tokenizer of an OpenAI model, or undefined when the model is not one whose tokenizer is known. */
export function encodingOf(model) {
    const name = bareModel(model);
    if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex)/.test(name)) {
        return 'o200k_base';
    }
    if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/.test(name)) {
        return 'cl100k_base';
    }
    return undefined;
}
/** OpenAI's reasoning models bill hidden reasoning tokens that a stream never shows (docs/charging.md). */
export function isReasoningModel(model) {
    return /^(o\d|gpt-5)/.test(bareModel(model));
}
/** ceil(UTF-8 bytes / 3): the documented estimate where no tokenizer is known. */
export function estimateTokens(text) {
    return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}
/** Tokens of a piece of output text: the model's tokenizer if it has one, else the estimate. */
export async function countText(model, text) {
    const encoding = encodingOf(model);
    if (!encoding) {
        return estimateTokens(text);
    }
    return (await encoder(encoding)).encode(text, 'all').length;
}
/** Splits content into text the counter sees and a fixed number for each image. */
function countContent(content, counter) {
    if (content === null || content === undefined) {
        return 0;
    }
    if (typeof content === 'string') {
        return counter.text(content);
    }
    if (Array.isArray(content)) {
        return content.reduce((sum, part) => sum + countPart(part, counter), 0);
    }
    return counter.text(JSON.stringify(content));
}
function countPart(part, counter) {
    if (typeof part === 'string') {
        return counter.text(part);
    }
    if (!part || typeof part !== 'object') {
        return 0;
    }
    const block = part;
    switch (block.type) {
        case 'text':
        case 'input_text':
        case 'output_text':
            return counter.text(String(block.text ?? ''));
        case 'image_url':
        case 'image':
        case 'input_image':
        case 'document':
            return IMAGE_TOKENS;
        case 'tool_result':
            return countContent(block.content, counter);
        case 'tool_use':
            return counter.text(`${String(block.name ?? '')}${JSON.stringify(block.input ?? {})}`);
        default:
            return counter.text(JSON.stringify(block));
    }
}
/**
 * Input tokens of an OpenAI chat completions request: each message's fields through the model's tokenizer plus 3
 * for the message (1 more for a name), 3 for the reply, and the tools' JSON. A model without a known tokenizer
 * (an OpenAI-compatible server's) gets the byte estimate.
 */
export async function countChatInput(model, body) {
    const encoding = encodingOf(model);
    if (!encoding) {
        return estimateChat(body.messages, body.tools, undefined);
    }
    const tiktoken = await encoder(encoding);
    const counter = { text: (value) => tiktoken.encode(value, 'all').length, messages: 0 };
    let total = REPLY_PRIMER;
    for (const message of asArray(body.messages)) {
        total += TOKENS_PER_MESSAGE;
        for (const [field, value] of Object.entries(message)) {
            if (field === 'content') {
                total += countContent(value, counter);
            }
            else if (typeof value === 'string') {
                total += counter.text(value) + (field === 'name' ? TOKENS_PER_NAME : 0);
            }
            else if (value !== null && value !== undefined) {
                total += counter.text(JSON.stringify(value));
            }
        }
    }
    if (body.tools !== undefined) {
        total += counter.text(JSON.stringify(body.tools));
    }
    return total;
}
/**
 * Input tokens of an OpenAI Responses request: the instructions, each input item's text (3 more for each item) and
 * the tools' JSON through the model's tokenizer, 3 for the reply; the byte estimate for a model without one. Input
 * kept on the server (`previous_response_id`, `conversation`) cannot be seen here: the settle charges it.
 */
export async function countResponsesInput(model, body) {
    const items = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : asArray(body.input);
    const messages = typeof body.instructions === 'string'
        ? [{ role: 'developer', content: body.instructions }, ...items] : items;
    const chat = { messages: messages.map(responsesItem) };
    if (body.tools !== undefined) {
        chat.tools = body.tools;
    }
    return countChatInput(model, chat);
}
/** A Responses input item as a chat message: its role, and its text wherever the item type keeps it. */
function responsesItem(item) {
    if (!item || typeof item !== 'object') {
        return { content: typeof item === 'string' ? item : '' };
    }
    const fields = item;
    if ('content' in fields) {
        return { role: fields.role ?? 'user', content: fields.content };
    }
    const { id: _id, call_id: _callId, status: _status, ...rest } = fields;
    return { content: JSON.stringify(rest) };
}
/** Input tokens of an embeddings request: every input string through the tokenizer (token arrays as they are). */
export async function countEmbeddingInput(model, input) {
    const items = Array.isArray(input) && input.every((item) => typeof item === 'number') ? [input] : asArray(input);
    const encoding = encodingOf(model);
    const tiktoken = encoding ? await encoder(encoding) : undefined;
    let total = 0;
    for (const item of items) {
        if (typeof item === 'string') {
            total += tiktoken ? tiktoken.encode(item, 'all').length : estimateTokens(item);
        }
        else if (Array.isArray(item)) {
            total += item.length;
        }
    }
    return total;
}
/**
 * The documented estimate for Anthropic messages (no public tokenizer for Claude models): ceil(UTF-8 bytes of the
 * messages' text, the system prompt and the tools / 3) + 8 per message, images at a fixed count.
 */
export function estimateAnthropicInput(body) {
    return estimateChat(body.messages, body.tools, body.system);
}
function estimateChat(messages, tools, system) {
    let bytes = 0;
    let fixed = 0;
    const counter = {
        text: (value) => {
            bytes += Buffer.byteLength(value, 'utf8');
            return 0;
        },
        messages: 0,
    };
    const list = asArray(messages);
    for (const message of list) {
        const fields = message;
        fixed += countContent(fields.content, counter);
        for (const field of ['tool_calls', 'name']) {
            if (fields[field] !== undefined) {
                countContent(typeof fields[field] === 'string' ? fields[field] : JSON.stringify(fields[field]), counter);
            }
        }
    }
    fixed += countContent(system, counter);
    if (tools !== undefined) {
        counter.text(JSON.stringify(tools));
    }
    return Math.ceil(bytes / 3) + fixed + ESTIMATE_PER_MESSAGE * list.length;
}
function asArray(value) {
    if (Array.isArray(value)) {
        return value;
    }
    return value === undefined || value === null ? [] : [value];
}
//# sourceMappingURL=tokens.js.map