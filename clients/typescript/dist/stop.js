import { randomUUID } from 'node:crypto';
import { SyntheticStream } from './streams.js';
/** onLimit 'stop': an answer of the SDK's own shape that says the call was not made, and why. */
export function stopAnswer(kind, body, denied, message) {
    const id = `budget-ledger-stop-${randomUUID()}`;
    const model = body.model;
    const text = message ?? `[budget-ledger] This call was not made: the budget's limit was reached (${denied.reason}).`;
    const marker = { stopped: true, reason: denied.reason, remaining: denied.available ?? null, budgetId: denied.budgetId };
    const created = Math.floor(Date.now() / 1000);
    const response = new Response(null, { status: 200, headers: { 'x-budget-ledger-stopped': denied.reason } });
    const stream = body.stream === true;
    const events = (items) => new SyntheticStream(async function* () {
        yield* items;
    });
    let data;
    if (kind === 'openai-embeddings') {
        data = { object: 'list', data: [], model, usage: { prompt_tokens: 0, total_tokens: 0 }, budget_ledger: marker };
    }
    else if (kind === 'openai-responses') {
        data = responsesStop(id, model, text, created, marker, stream, events);
    }
    else if (kind === 'openai-chat') {
        const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
        if (!stream) {
            data = {
                id, object: 'chat.completion', created, model,
                choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
                usage, budget_ledger: marker,
            };
        }
        else {
            const chunk = (choices, extra = {}) => ({ id, object: 'chat.completion.chunk', created, model, choices, budget_ledger: marker, ...extra });
            const items = [
                chunk([{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null, logprobs: null }]),
                chunk([{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }]),
            ];
            if (body.stream_options?.include_usage === true) {
                items.push(chunk([], { usage }));
            }
            data = events(items);
        }
    }
    else {
        const usage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
        const messageBody = { id, type: 'message', role: 'assistant', model, stop_sequence: null, budget_ledger: marker };
        if (!stream) {
            data = { ...messageBody, content: [{ type: 'text', text, citations: null }], stop_reason: 'end_turn', usage };
        }
        else {
            data = events([
                { type: 'message_start', message: { ...messageBody, content: [], stop_reason: null, usage } },
                { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
                { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
                { type: 'content_block_stop', index: 0 },
                { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 0 } },
                { type: 'message_stop' },
            ]);
        }
    }
    return { data, response, request_id: null };
}
/** A Responses API `Response` (or its stream of events) holding one assistant message with the text. */
function responsesStop(id, model, text, created, marker, stream, events) {
    const itemId = `msg_${id}`;
    const part = { type: 'output_text', text, annotations: [] };
    const item = { type: 'message', id: itemId, status: 'completed', role: 'assistant', content: [part] };
    const usage = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0,
        output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };
    const response = {
        id, object: 'response', created_at: created, status: 'completed', model, output: [item], output_text: text,
        error: null, incomplete_details: null, instructions: null, metadata: {}, parallel_tool_calls: true,
        temperature: null, tool_choice: 'auto', tools: [], top_p: null, usage, budget_ledger: marker,
    };
    if (!stream) {
        return response;
    }
    const at = { item_id: itemId, output_index: 0, content_index: 0 };
    return events([
        { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', output: [], output_text: '' } },
        { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
        { type: 'response.content_part.added', sequence_number: 2, ...at, part: { ...part, text: '' } },
        { type: 'response.output_text.delta', sequence_number: 3, ...at, delta: text, logprobs: [] },
        { type: 'response.output_text.done', sequence_number: 4, ...at, text, logprobs: [] },
        { type: 'response.content_part.done', sequence_number: 5, ...at, part },
        { type: 'response.output_item.done', sequence_number: 6, output_index: 0, item },
        { type: 'response.completed', sequence_number: 7, response },
    ]);
}
//# sourceMappingURL=stop.js.map