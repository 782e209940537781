/**
 * A proxy in front of the service that misbehaves on purpose, for the retry tests: it records every request's
 * Idempotency-Key and can drop an answer after the service has done the work, answer 503 itself, or never answer.
 */
import { createServer, request as forward } from 'node:http';

export class FlakyProxy {
  /** @type {Array<{ method: string, path: string, key: string | undefined, replayed?: string }>} */
  seen = [];
  /** @type {Array<'drop-answer' | 'unavailable' | 'hang'>} */
  faults = [];

  constructor(target) {
    this.target = new URL(target);
  }

  async start() {
    this.server = createServer((incoming, outgoing) => this.#handle(incoming, outgoing));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  async #handle(incoming, outgoing) {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    const seen = { method: incoming.method, path: incoming.url, key: incoming.headers['idempotency-key'] };
    this.seen.push(seen);
    const fault = this.faults.shift();
    if (fault === 'hang') return;
    if (fault === 'unavailable') {
      outgoing.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      outgoing.end(JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: 503, code: 'SERVICE_UNAVAILABLE', requestId: 'proxy' }));
      return;
    }
    const upstream = forward({
      host: this.target.hostname, port: this.target.port, method: incoming.method, path: incoming.url,
      headers: { ...incoming.headers, host: this.target.host },
    }, async (answer) => {
      const body = [];
      for await (const chunk of answer) body.push(chunk);
      seen.replayed = answer.headers['idempotent-replayed'];
      if (fault === 'drop-answer') {
        incoming.socket.destroy(); // the service did the work; the answer is lost on the way back
        return;
      }
      outgoing.writeHead(answer.statusCode, answer.headers);
      outgoing.end(Buffer.concat(body));
    });
    upstream.end(Buffer.concat(chunks));
  }
}
