/**
 * guard() around the official @anthropic-ai/sdk package, talking to a local server that answers like Anthropic's
 * messages API (SSE included), against the real service (test.sh starts it).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import Anthropic from '@anthropic-ai/sdk';

import { BudgetExceeded, compareDecimal, estimateAnthropicInput, guard } from 'budget-ledger';

import { FakeProvider } from '../testing/fake-provider.mjs';
import { admin, adminKey, assertReconciled, budget, clientKey, recordingLogger, reservations, url } from '../testing/service.mjs';

const provider = new FakeProvider();
const system = 'You are terse.';
const messages = [{ role: 'user', content: 'Say hello to the budget ledger in five words.' }];
let logger;

before(() => provider.start());
after(() => provider.stop());
beforeEach(() => {
  provider.reset();
  logger = recordingLogger();
});

function guarded(budgetId, options = {}) {
  const anthropic = new Anthropic({ baseURL: provider.anthropicUrl, apiKey: 'sk-ant-fake', maxRetries: 0 });
  return guard(anthropic, { budget: budgetId, ledger: { url, apiKey: adminKey }, logger, ...options });
}

test('the documented estimate: ceil(UTF-8 bytes of system, messages and tools / 3) + 8 per message', () => {
  // 14 + 46 bytes = 60, / 3 = 20, + 8 for the one message
  assert.equal(estimateAnthropicInput({ system, messages }), 28);
  assert.equal(estimateAnthropicInput({ messages: [{ role: 'user', content: [{ type: 'text', text: 'héllo' }] }] }), 2 + 8);
});

test('an allowed message is held with the estimate and charged the usage it reports, cache tokens included', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ input: 40, output: 12, cacheRead: 100, cacheWrite: 50 });

  const message = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 300, system, messages });

  assert.equal(message.content[0].text, 'Hello from the fake Claude');
  assert.equal(provider.requests[0].body.model, 'claude-haiku-4-5');
  assert.equal(provider.requests[0].body.max_tokens, 300);
  const [hold] = await reservations(id);
  assert.equal(hold.inputTokens, 28);
  assert.equal(hold.maxOutputTokens, 300);
  assert.equal(hold.settledInputTokens, 40);
  assert.equal(hold.settledOutputTokens, 12);
  assert.equal(hold.settledCacheReadTokens, 100);
  assert.equal(hold.settledCacheWriteTokens, 50);
  assert.equal(client.spent, hold.charged);
  assert.equal(client.calls, 1);
});

test('a streamed message (stream: true) is settled from message_start and the last message_delta', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ text: 'one two three', input: 33, output: 7 });

  const stream = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 200, messages, stream: true });
  let text = '';
  const types = [];
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta') text += event.delta.text;
  }

  assert.equal(text, 'one two three');
  assert.ok(types.includes('message_delta') && types.at(-1) === 'message_stop', types.join());
  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledInputTokens, 33);
  assert.equal(hold.settledOutputTokens, 7);
  // claude-sonnet-4-5: 33 x 3.00 + 7 x 15.00 per million
  assert.equal(client.spent, '0.000204');
});

test('the SDK stream helper (messages.stream) is guarded too', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);

  const final = await client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages }).finalMessage();

  assert.equal(final.content[0].text, 'Hello from the fake Claude');
  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledInputTokens, 40);
  assert.equal(hold.settledOutputTokens, 12);
});

test('a stream cut before message_delta is settled with the reported input and the output counted so far', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ text: 'alpha beta gamma delta', input: 45, cutAfter: 4 });

  const stream = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 500, messages, stream: true });
  await assert.rejects(async () => {
    for await (const event of stream) void event;
  });

  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledInputTokens, 45);
  // "alpha " was sent before the cut: ceil(6 / 3)
  assert.equal(hold.settledOutputTokens, 2);
});

test('a dated Claude id is held at its catalog price and sent as the caller pinned it', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);

  await client.messages.create({ model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages });

  assert.equal(provider.requests[0].body.model, 'claude-sonnet-4-5-20250929');
  // claude-sonnet-4-5: 40 x 3.00 + 12 x 15.00 per million
  assert.equal(client.spent, '0.0003');
});

test('a DENY with onLimit raise rejects with BudgetExceeded', async () => {
  const { id } = await budget('0.000001');
  const client = guarded(id);

  await assert.rejects(client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 500, messages }), (error) => {
    assert.ok(error instanceof BudgetExceeded);
    assert.equal(error.reason, 'INSUFFICIENT_FUNDS');
    assert.equal(error.remaining, '0.000001');
    return true;
  });
  assert.equal(provider.requests.length, 0);
});

test('a DENY with onLimit stop answers a marked Message, and a marked stream for messages.stream', async () => {
  const { id } = await budget('0.000001');
  const client = guarded(id, { onLimit: 'stop', stopMessage: 'Out of budget for today.' });

  const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 500, messages });
  assert.equal(message.type, 'message');
  assert.match(message.id, /^budget-ledger-stop-/);
  assert.deepEqual(message.content, [{ type: 'text', text: 'Out of budget for today.', citations: null }]);
  assert.equal(message.budget_ledger.stopped, true);
  assert.equal(message.budget_ledger.reason, 'INSUFFICIENT_FUNDS');

  const final = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 500, messages }).finalMessage();
  assert.equal(final.content[0].text, 'Out of budget for today.');
  assert.equal(provider.requests.length, 0);
  assert.deepEqual(await reservations(id), []);
});

test('a DENY with onLimit warn makes the call and records its spend', async () => {
  // A CLIENT key may book a charge up to 0.01 past the limit here (maxOverrun); the call costs 0.0003.
  const { id } = await budget('0.0001', { maxOverrun: '0.01' });
  const client = guarded(id, { onLimit: 'warn', ledger: { url, apiKey: await clientKey(id) } });

  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages });

  assert.equal(provider.requests.length, 1);
  // 40 x 3.00 + 12 x 15.00 per million
  assert.equal(client.spent, '0.0003');
  assert.ok(logger.lines.some((line) => line.includes("onLimit: 'warn'")));
  assert.deepEqual(await reservations(id), [], 'booked as a direct charge, without a hold');
  const usage = await admin.usage(id);
  assert.equal(usage.total.spend, '0.0003');
  assert.equal(usage.total.charges, 1);
});

test('a downgrade sends the fallback model', async () => {
  // claude-sonnet-4-5 with 1000 output tokens holds 0.015; claude-haiku-4-5 0.005
  const { id } = await budget('0.006');
  const client = guarded(id, { fallback: ['claude-haiku-4-5'] });

  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages });

  assert.equal(provider.requests[0].body.model, 'claude-haiku-4-5');
  const [hold] = await reservations(id);
  assert.equal(hold.downgraded, true);
});

test('a capped allow sends the granted max_tokens', async () => {
  const { id } = await budget('0.006');
  const client = guarded(id, { minOutputTokens: 64 });

  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages });

  const [hold] = await reservations(id);
  assert.equal(hold.capped, true);
  assert.ok(hold.maxOutputTokens < 1000);
  assert.equal(provider.requests[0].body.max_tokens, hold.maxOutputTokens);
});

test('an overloaded provider (529) releases the hold', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ status: 529 });

  await assert.rejects(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages }), Anthropic.APIError);

  const [hold] = await reservations(id);
  assert.equal(hold.status, 'RELEASED');
  assert.equal(compareDecimal((await client.ledger.getBudget(id)).spent, '0'), 0);
});

test('the ledger reconciles after all of the above', assertReconciled);
