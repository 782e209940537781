/**
 * guard() around the openai package's Responses API (responses.create, responses.stream), against a local server
 * that answers like OpenAI's /v1/responses and the real service (test.sh starts it).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import OpenAI from 'openai';

import { BudgetExceeded, guard } from 'budget-ledger';

import { FakeProvider } from '../testing/fake-provider.mjs';
import { adminKey, assertReconciled, budget, recordingLogger, reservations, url } from '../testing/service.mjs';

const provider = new FakeProvider();
let logger;

before(() => provider.start());
after(() => provider.stop());
beforeEach(() => {
  provider.reset();
  logger = recordingLogger();
});

function guarded(budgetId, options = {}) {
  const openai = new OpenAI({ baseURL: provider.openaiUrl, apiKey: 'sk-fake', maxRetries: 0 });
  return guard(openai, { budget: budgetId, ledger: { url, apiKey: adminKey }, logger, ...options });
}

test('a response is held with the counted input and settled with its usage, cached and reasoning tokens apart', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ input: 500, cached: 300, output: 120, reasoning: 100 });

  const response = await client.responses.create({ model: 'gpt-5-mini', instructions: 'Be terse.', input: 'hello world', max_output_tokens: 400 });

  assert.equal(response.output_text, 'Hello from the fake Responses API');
  assert.equal(provider.requests[0].body.max_output_tokens, 400);
  const [hold] = await reservations(id);
  // "Be terse." (3) and "hello world" (2) of o200k_base, 3 and 1 for each of the two items' overhead and role, 3 for the reply
  assert.equal(hold.inputTokens, 16);
  assert.equal(hold.settledInputTokens, 200);
  assert.equal(hold.settledCacheReadTokens, 300);
  assert.equal(hold.settledOutputTokens, 20);
  assert.equal(hold.settledReasoningTokens, 100);
  assert.equal(client.spent, hold.charged);
});

test('a streamed response is settled from response.completed, and responses.stream() is guarded too', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ text: 'one two three', input: 30, output: 9 });

  const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'count', max_output_tokens: 50, stream: true });
  let text = '';
  for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
  const final = await client.responses.stream({ model: 'gpt-4o-mini', input: 'again', max_output_tokens: 50 }).finalResponse();

  assert.equal(text, 'one two three');
  assert.equal(final.output_text, 'Hello from the fake Responses API');
  const [first, second] = await reservations(id);
  assert.equal(first.settledInputTokens, 30);
  assert.equal(first.settledOutputTokens, 9);
  assert.equal(second.status, 'SETTLED');
  assert.equal(second.settledOutputTokens, 20);
});

test('a capped allow and a downgrade are applied to max_output_tokens and model', async () => {
  const { id } = await budget('0.002');
  const client = guarded(id, { fallback: 'gpt-4o-mini' });

  await client.responses.create({ model: 'gpt-4o', input: 'hello', max_output_tokens: 1000 });

  assert.equal(provider.requests[0].body.model, 'gpt-4o-mini');
  const capped = guarded((await budget('0.002')).id, { minOutputTokens: 100 });
  await capped.responses.create({ model: 'gpt-4o', input: 'hello', max_output_tokens: 1000 });
  const sent = provider.requests[1].body.max_output_tokens;
  assert.ok(sent >= 100 && sent < 1000, String(sent));
});

test('a DENY raises, or with onLimit stop answers a marked Response', async () => {
  const { id } = await budget('0.000001');

  await assert.rejects(guarded(id).responses.create({ model: 'gpt-4o', input: 'hi', max_output_tokens: 100 }), BudgetExceeded);
  const stopped = await guarded(id, { onLimit: 'stop' }).responses.create({ model: 'gpt-4o', input: 'hi', max_output_tokens: 100 });
  const streamed = await guarded(id, { onLimit: 'stop' }).responses.stream({ model: 'gpt-4o', input: 'hi', max_output_tokens: 100 }).finalResponse();

  assert.equal(stopped.object, 'response');
  assert.match(stopped.id, /^budget-ledger-stop-/);
  assert.match(stopped.output_text, /not made/);
  assert.equal(stopped.budget_ledger.reason, 'INSUFFICIENT_FUNDS');
  assert.match(streamed.output_text, /not made/);
  assert.equal(provider.requests.length, 0);
});

test('the ledger reconciles after all of the above', assertReconciled);
