/**
 * A local server that answers like the providers, for the tests: OpenAI chat completions (JSON, or SSE with the
 * include_usage chunk when asked), OpenAI embeddings, and Anthropic messages (JSON, or SSE: message_start,
 * content_block_*, message_delta with usage, message_stop). It records every request it gets. What it answers is
 * set per test with `provider.next(...)` (one call) or `provider.always(...)`.
 */
import { createServer } from 'node:http';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @typedef {{ text?: string, input?: number, output?: number, cached?: number, reasoning?: number,
 *   cacheRead?: number, cacheWrite?: number, status?: number, chunkDelayMs?: number, cutAfter?: number,
 *   hang?: boolean, beforeAnswer?: () => Promise<void>, noUsage?: boolean }} Behaviour
 */

export class FakeProvider {
  /** @type {Array<{ path: string, body: any, headers: import('node:http').IncomingHttpHeaders }>} */
  requests = [];
  /** @type {Behaviour[]} */
  #queue = [];
  /** @type {Behaviour} */
  #default = {};
  /** @type {Set<import('node:net').Socket>} */
  #sockets = new Set();

  async start() {
    this.server = createServer((request, response) => this.#handle(request, response));
    this.server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.openaiUrl = `http://127.0.0.1:${this.port}/v1`;
    this.anthropicUrl = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** @param {Behaviour} behaviour the answer to the next request only */
  next(behaviour) {
    this.#queue.push(behaviour);
    return this;
  }

  /** @param {Behaviour} behaviour the answer to every request without a queued one */
  always(behaviour) {
    this.#default = behaviour;
    return this;
  }

  reset() {
    this.requests = [];
    this.#queue = [];
    this.#default = {};
  }

  async #handle(request, response) {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    this.requests.push({ path: request.url, body, headers: request.headers });
    const behaviour = this.#queue.shift() ?? this.#default;
    if (behaviour.beforeAnswer) await behaviour.beforeAnswer();
    if (behaviour.hang) return; // never answers: the client's timeout decides
    if (behaviour.status) {
      const error = request.url.startsWith('/v1/messages')
        ? { type: 'error', error: { type: behaviour.status === 529 ? 'overloaded_error' : 'api_error', message: 'fake failure' } }
        : { error: { message: 'fake failure', type: 'server_error', param: null, code: null } };
      response.writeHead(behaviour.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(error));
      return;
    }
    if (request.url.startsWith('/v1/chat/completions')) {
      await this.#openaiChat(body, behaviour, response);
    } else if (request.url.startsWith('/v1/responses')) {
      await this.#openaiResponses(body, behaviour, response);
    } else if (request.url.startsWith('/v1/embeddings')) {
      const input = behaviour.input ?? 7;
      json(response, { object: 'list', model: body.model, data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
        usage: { prompt_tokens: input, total_tokens: input } });
    } else if (request.url.startsWith('/v1/messages')) {
      await this.#anthropic(body, behaviour, response);
    } else {
      response.writeHead(404).end();
    }
  }

  async #openaiChat(body, behaviour, response) {
    const text = behaviour.text ?? 'Hello from the fake LLM';
    const usage = {
      prompt_tokens: behaviour.input ?? 50,
      completion_tokens: behaviour.output ?? 20,
      total_tokens: (behaviour.input ?? 50) + (behaviour.output ?? 20),
      prompt_tokens_details: { cached_tokens: behaviour.cached ?? 0 },
      completion_tokens_details: { reasoning_tokens: behaviour.reasoning ?? 0 },
    };
    const base = { id: 'chatcmpl-fake', created: 1_700_000_000, model: body.model };
    if (!body.stream) {
      json(response, { ...base, object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        ...(behaviour.noUsage ? {} : { usage }) });
      return;
    }
    const withUsage = body.stream_options?.include_usage === true;
    const words = text.split(/(?<= )/);
    const events = [
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], ...(withUsage ? { usage: null } : {}) },
      ...words.map((word) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: word }, finish_reason: null }], ...(withUsage ? { usage: null } : {}) })),
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...(withUsage ? { usage: null } : {}) },
    ];
    if (withUsage && !behaviour.noUsage) events.push({ ...base, object: 'chat.completion.chunk', choices: [], usage });
    await this.#sse(response, events.map((event) => `data: ${JSON.stringify(event)}\n\n`), behaviour, 'data: [DONE]\n\n');
  }

  async #openaiResponses(body, behaviour, response) {
    const text = behaviour.text ?? 'Hello from the fake Responses API';
    const usage = {
      input_tokens: behaviour.input ?? 50, input_tokens_details: { cached_tokens: behaviour.cached ?? 0 },
      output_tokens: behaviour.output ?? 20, output_tokens_details: { reasoning_tokens: behaviour.reasoning ?? 0 },
      total_tokens: (behaviour.input ?? 50) + (behaviour.output ?? 20),
    };
    const part = { type: 'output_text', text, annotations: [] };
    const item = { type: 'message', id: 'msg_fake', status: 'completed', role: 'assistant', content: [part] };
    const done = { id: 'resp_fake', object: 'response', created_at: 1_700_000_000, status: 'completed', model: body.model,
      output: [item], error: null, incomplete_details: null, instructions: body.instructions ?? null, metadata: {},
      parallel_tool_calls: true, temperature: 1, tool_choice: 'auto', tools: [], top_p: 1,
      max_output_tokens: body.max_output_tokens ?? null, ...(behaviour.noUsage ? {} : { usage }) };
    if (!body.stream) {
      json(response, done);
      return;
    }
    const at = { item_id: 'msg_fake', output_index: 0, content_index: 0 };
    let sequence = 0;
    const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
    const events = [
      event('response.created', { response: { ...done, status: 'in_progress', output: [], usage: null } }),
      event('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }),
      event('response.content_part.added', { ...at, part: { ...part, text: '' } }),
      ...text.split(/(?<= )/).map((word) => event('response.output_text.delta', { ...at, delta: word, logprobs: [] })),
      event('response.output_text.done', { ...at, text, logprobs: [] }),
      event('response.content_part.done', { ...at, part }),
      event('response.output_item.done', { output_index: 0, item }),
      event('response.completed', { response: done }),
    ];
    await this.#sse(response, events, behaviour);
  }

  async #anthropic(body, behaviour, response) {
    const text = behaviour.text ?? 'Hello from the fake Claude';
    const usage = {
      input_tokens: behaviour.input ?? 40,
      output_tokens: behaviour.output ?? 12,
      cache_read_input_tokens: behaviour.cacheRead ?? 0,
      cache_creation_input_tokens: behaviour.cacheWrite ?? 0,
    };
    const message = { id: 'msg_fake', type: 'message', role: 'assistant', model: body.model, stop_sequence: null };
    if (!body.stream) {
      json(response, { ...message, content: [{ type: 'text', text }], stop_reason: 'end_turn', usage });
      return;
    }
    const words = text.split(/(?<= )/);
    const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const events = [
      event('message_start', { message: { ...message, content: [], stop_reason: null,
        usage: { ...usage, output_tokens: 1 } } }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
      ...words.map((word) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } })),
      event('content_block_stop', { index: 0 }),
    ];
    if (!behaviour.noUsage) {
      events.push(event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
    }
    events.push(event('message_stop', {}));
    await this.#sse(response, events, behaviour);
  }

  async #sse(response, events, behaviour, done) {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.flushHeaders();
    for (const [index, event] of events.entries()) {
      if (behaviour.cutAfter !== undefined && index >= behaviour.cutAfter) {
        await sleep(100); // let what was written reach the client first
        response.socket?.destroy(); // the provider breaks off mid-stream
        return;
      }
      await new Promise((resolve) => response.write(event, resolve));
      if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
    }
    if (done) response.write(done);
    response.end();
  }
}

function json(response, body) {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
