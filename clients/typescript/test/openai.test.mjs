/**
 * guard() around the official openai package, talking to a local server that answers like OpenAI, against the
 * real service (test.sh starts it).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import OpenAI from 'openai';

import { BudgetExceeded, LedgerUnavailable, compareDecimal, guard } from 'budget-ledger';

import { FakeProvider } from '../testing/fake-provider.mjs';
import { admin, adminKey, assertReconciled, budget, clientKey, recordingLogger, reservations, url } from '../testing/service.mjs';

const provider = new FakeProvider();
const messages = [{ role: 'user', content: 'Say hello to the budget ledger in five words.' }];
let logger;

before(() => provider.start());
after(() => provider.stop());
beforeEach(() => {
  provider.reset();
  logger = recordingLogger();
});

function openai(options = {}) {
  return new OpenAI({ baseURL: provider.openaiUrl, apiKey: 'sk-fake', maxRetries: 0, ...options });
}

function guarded(budgetId, options = {}) {
  return guard(openai(), { budget: budgetId, ledger: { url, apiKey: adminKey }, logger, ...options });
}

test('an allowed call is held, made with the model and max tokens asked, and charged the usage it reports', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);

  const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 200 });

  assert.equal(answer.choices[0].message.content, 'Hello from the fake LLM');
  assert.equal(provider.requests.length, 1);
  assert.equal(provider.requests[0].body.model, 'gpt-4o-mini');
  assert.equal(provider.requests[0].body.max_tokens, 200);
  // 50 input tokens at 0.15 and 20 output at 0.60 per million
  assert.equal(client.spent, '0.0000195');
  assert.equal(client.remaining, '0.9999805');
  assert.equal(client.calls, 1);
  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.model, 'gpt-4o-mini');
  assert.equal(hold.maxOutputTokens, 200);
  // The input was counted with o200k_base and the chat format's overhead: 3 per message, 3 for the reply.
  assert.equal(hold.inputTokens, 17);
  assert.equal(hold.settledInputTokens, 50);
  assert.equal(hold.settledOutputTokens, 20);
});

test('a call without max tokens holds the model\'s default output and is sent with that limit', async () => {
  const { id } = await budget('5.00');
  const client = guarded(id);

  await client.chat.completions.create({ model: 'gpt-4o-mini', messages });

  const [hold] = await reservations(id);
  assert.ok(hold.maxOutputTokens > 0, String(hold.maxOutputTokens));
  assert.equal(provider.requests[0].body.max_completion_tokens, hold.maxOutputTokens);
  assert.equal(provider.requests[0].body.max_tokens, undefined);
  assert.equal(hold.status, 'SETTLED');
});

test('a dated model id is held at its catalog price and sent as the caller pinned it', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);

  await client.chat.completions.create({ model: 'gpt-4o-2024-08-06', messages, max_tokens: 100 });

  assert.equal(provider.requests[0].body.model, 'gpt-4o-2024-08-06');
  const [hold] = await reservations(id);
  assert.equal(hold.model, 'gpt-4o-2024-08-06');
  assert.equal(hold.inputTokens, 17); // o200k_base, as gpt-4o
  assert.equal(client.spent, '0.000325'); // gpt-4o's price
});

test('a CLIENT key bound to the budget is all a guard needs', async () => {
  const { id } = await budget('1.00');
  const client = guard(openai(), { budget: id, ledger: { url, apiKey: await clientKey(id) }, logger });

  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 50 });

  assert.equal(client.spent, '0.0000195');
  assert.equal(client.remaining, '0.9999805');
});

test('cached and reasoning tokens are settled as such', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ input: 1000, cached: 800, output: 300, reasoning: 200 });

  await client.chat.completions.create({ model: 'o4-mini', messages, max_completion_tokens: 2000 });

  assert.equal(provider.requests[0].body.max_completion_tokens, 2000);
  const [hold] = await reservations(id);
  assert.equal(hold.settledInputTokens, 200);
  assert.equal(hold.settledCacheReadTokens, 800);
  assert.equal(hold.settledOutputTokens, 100);
  assert.equal(hold.settledReasoningTokens, 200);
});

test('a DENY with onLimit raise rejects with BudgetExceeded and the provider is never asked', async () => {
  const { id } = await budget('0.000001');
  const client = guarded(id, { onLimit: 'raise' });

  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500 }), (error) => {
    assert.ok(error instanceof BudgetExceeded);
    assert.equal(error.reason, 'INSUFFICIENT_FUNDS');
    assert.equal(error.remaining, '0.000001');
    assert.equal(error.code, 'RESERVATION_DENIED');
    assert.equal(error.model, 'gpt-4o');
    return true;
  });
  assert.equal(provider.requests.length, 0);
  assert.equal(client.calls, 0);
  assert.deepEqual(await reservations(id), []);
});

test('a DENY with onLimit stop answers a marked ChatCompletion without asking the provider', async () => {
  const { id } = await budget('0.000001');
  const client = guarded(id, { onLimit: 'stop' });

  const answer = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500 });

  assert.equal(answer.object, 'chat.completion');
  assert.match(answer.id, /^budget-ledger-stop-/);
  assert.equal(answer.choices[0].finish_reason, 'stop');
  assert.match(answer.choices[0].message.content, /budget's limit was reached \(INSUFFICIENT_FUNDS\)/);
  assert.deepEqual(answer.budget_ledger, { stopped: true, reason: 'INSUFFICIENT_FUNDS', remaining: '0.000001', budgetId: id });
  assert.equal(provider.requests.length, 0);
  assert.equal(client.remaining, '0.000001');

  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.match(text, /not made/);
  assert.equal(provider.requests.length, 0);
});

/** The direct charges booked on a budget, from its budget.charged events (oldest first). */
async function charges(budgetId) {
  const response = await fetch(`${url}/v1/events?type=budget.charged&budgetId=${budgetId}`,
    { headers: { Authorization: `Bearer ${adminKey}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).items.map((event) => event.data);
}

test('a DENY with onLimit warn logs, makes the call as asked, and books what it used as a direct charge past the limit', async () => {
  // A CLIENT key's charge past the limit is bounded by the budget's overrun policy: the operator lets it book up to
  // 0.01 past the limit (maxOverrun, set by the ADMIN that creates the budget).
  const { id } = await budget('0.0001', { maxOverrun: '0.01' });
  const client = guarded(id, { onLimit: 'warn', ledger: { url, apiKey: await clientKey(id) } });

  // gpt-4o with 500 output tokens would hold 0.005: more than the budget has
  const answer = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500 });

  assert.equal(answer.choices[0].message.content, 'Hello from the fake LLM');
  assert.equal(provider.requests.length, 1);
  assert.equal(provider.requests[0].body.max_tokens, 500);
  assert.ok(logger.lines.some((line) => /WARN .*over the limit \(INSUFFICIENT_FUNDS.*direct charge/.test(line)), logger.lines.join('\n'));
  // 50 x 2.50 + 20 x 10.00 per million
  assert.equal(client.spent, '0.000325');
  assert.equal(client.remaining, '-0.000225');
  assert.deepEqual(await reservations(id), [], 'no hold: nothing is reserved for a call over the limit');
  const [charge] = await charges(id);
  assert.equal(charge.amount, '0.000325');
  assert.equal(charge.model, 'gpt-4o');
  assert.equal(charge.tokens, 70);
  assert.equal(charge.overLimit, true);
  const usage = await admin.usage(id);
  assert.equal(usage.total.spend, '0.000325');
  assert.equal(usage.total.charges, 1);
  await assertReconciled();
});

test('onLimit warn on a budget with nothing left at all still books the call, and a stream is charged its final usage', async () => {
  // one input token of gpt-4o-mini is 0.00000015: more than this
  const { id } = await budget('0.0000001', { maxOverrun: '0.01' });
  const client = guarded(id, { onLimit: 'warn', ledger: { url, apiKey: await clientKey(id) } });
  provider.next({ text: 'one two three four', input: 30, output: 9 });

  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 50, stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);

  assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''), 'one two three four');
  assert.deepEqual(provider.requests[0].body.stream_options, { include_usage: true });
  assert.ok(chunks.every((chunk) => chunk.choices.length > 0 && !('usage' in chunk)), 'the usage chunk it did not ask for is hidden');
  assert.ok(!logger.lines.some((line) => line.startsWith('ERROR')), logger.lines.join('\n'));
  // 30 x 0.15 + 9 x 0.60 per million
  assert.equal(client.spent, '0.0000099');
  assert.deepEqual(await reservations(id), []);
  const [charge] = await charges(id);
  assert.equal(charge.amount, '0.0000099');
  assert.equal(charge.overLimit, true);
  await assertReconciled();
});

test('onLimit warn books a frozen budget\'s call too: a charge is spend that happened, not a request', async () => {
  const { id } = await budget('1.00');
  const frozen = await fetch(`${url}/v1/budgets/${id}/freeze`, {
    method: 'POST', headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ reason: 'ts warn test' }),
  });
  assert.equal(frozen.status, 200, await frozen.clone().text());
  const client = guarded(id, { onLimit: 'warn', ledger: { url, apiKey: await clientKey(id) } });

  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 50 });

  assert.ok(logger.lines.some((line) => /WARN .*over the limit \(BUDGET_FROZEN/.test(line)), logger.lines.join('\n'));
  assert.equal(client.spent, '0.0000195');
  const [charge] = await charges(id);
  assert.equal(charge.amount, '0.0000195');
  assert.equal(charge.overLimit, false, 'a frozen budget with room is not over its limit');
});

test('onLimit warn past what the overrun policy lets a client book: the call is made, nothing is booked, an ERROR says so', async () => {
  // 0.0001 of room and the default ratio 1: a CLIENT key may book at most 0.0002; the call costs 0.000325.
  const { id } = await budget('0.0001');
  const client = guarded(id, { onLimit: 'warn', ledger: { url, apiKey: await clientKey(id) } });

  const answer = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500 });

  assert.equal(answer.choices[0].message.content, 'Hello from the fake LLM', 'the refusal never reaches the caller');
  assert.equal(provider.requests.length, 1);
  assert.ok(logger.lines.some((line) => /^ERROR .*NOT recorded.*overrun policy.*0\.0002.*ADMIN key can book it.*maxOverrun/.test(line)),
    logger.lines.join('\n'));
  assert.equal(client.spent, '0');
  assert.deepEqual(await charges(id), []);
  assert.deepEqual(await reservations(id), []);
  assert.equal((await admin.usage(id)).total.charges, 0);
  await assertReconciled();
});

test('a downgrade sends the fallback model the ledger chose', async () => {
  // Room for gpt-4o-mini with 1000 output tokens (0.0006), not for gpt-4o (0.01)
  const { id } = await budget('0.002');
  const client = guarded(id, { fallback: 'gpt-4o-mini' });

  await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 1000 });

  assert.equal(provider.requests[0].body.model, 'gpt-4o-mini');
  const [hold] = await reservations(id);
  assert.equal(hold.downgraded, true);
  assert.equal(hold.requestedModel, 'gpt-4o');
  assert.equal(hold.model, 'gpt-4o-mini');
  assert.equal(client.spent, '0.0000195');
});

test('a capped allow sends the granted max tokens, so no more output than was held can be produced', async () => {
  // 0.002 holds 17 input tokens and at most 195 output tokens of gpt-4o
  const { id } = await budget('0.002');
  const client = guarded(id, { minOutputTokens: 100 });

  await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 1000 });

  const [hold] = await reservations(id);
  assert.equal(hold.capped, true);
  assert.ok(hold.maxOutputTokens >= 100 && hold.maxOutputTokens < 1000, String(hold.maxOutputTokens));
  assert.equal(provider.requests[0].body.max_tokens, hold.maxOutputTokens);
});

test('a stream is settled from its final usage, and the usage chunk the caller did not ask for is hidden', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ text: 'one two three four', input: 30, output: 9 });

  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 100, stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);

  assert.deepEqual(provider.requests[0].body.stream_options, { include_usage: true });
  assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''), 'one two three four');
  assert.ok(chunks.every((chunk) => chunk.choices.length > 0 && !('usage' in chunk)), JSON.stringify(chunks.at(-1)));
  // 30 x 0.15 + 9 x 0.60 per million
  assert.equal(client.spent, '0.0000099');
  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledOutputTokens, 9);
});

test('a stream whose caller asked for usage gets the usage chunk', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);

  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini', messages, max_tokens: 100, stream: true, stream_options: { include_usage: true },
  });
  let usage;
  for await (const chunk of stream) usage = chunk.usage ?? usage;

  assert.equal(usage.prompt_tokens, 50);
  assert.equal(client.spent, '0.0000195');
});

test('the SDK stream helper (chat.completions.stream) is guarded too', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);

  const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages, max_tokens: 100 });
  const completion = await runner.finalChatCompletion();

  assert.equal(completion.choices[0].message.content, 'Hello from the fake LLM');
  assert.equal(client.spent, '0.0000195');
  assert.equal((await reservations(id)).length, 1);
});

test('a stream the caller abandons is settled with the input and the output counted so far', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ text: 'alpha beta gamma delta epsilon', chunkDelayMs: 20 });

  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 100, stream: true });
  let text = '';
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (text.includes('beta')) break;
  }

  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledInputTokens, 17);
  // "alpha beta " is 2 to 3 tokens of o200k_base: counted, not the whole hold
  assert.ok(hold.settledOutputTokens >= 2 && hold.settledOutputTokens <= 3, String(hold.settledOutputTokens));
});

test('a stream the provider cuts before its usage is settled with what was counted', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ text: 'one two three four five six', cutAfter: 3 });

  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 100, stream: true });
  await assert.rejects(async () => {
    for await (const chunk of stream) void chunk;
  });

  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledInputTokens, 17);
  assert.ok(hold.settledOutputTokens >= 1 && hold.settledOutputTokens < 100, String(hold.settledOutputTokens));
});

test('a provider error mid-call releases the hold: nothing is charged', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);
  provider.next({ status: 500 });

  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 100 }), OpenAI.InternalServerError);

  const [hold] = await reservations(id);
  assert.equal(hold.status, 'RELEASED');
  assert.equal(client.spent, '0');
  assert.equal(compareDecimal((await client.ledger.getBudget(id)).spent, '0'), 0);
});

test('a request that got no answer (timeout) is charged the whole hold', async () => {
  const { id } = await budget('1.00');
  const client = guard(openai({ timeout: 300 }), { budget: id, ledger: { url, apiKey: adminKey }, logger });
  provider.next({ hang: true });

  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 100 }), OpenAI.APIConnectionTimeoutError);

  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledOutputTokens, 100);
  assert.equal(hold.charged, hold.amount);
});

test('embeddings are held and settled with their input tokens', async () => {
  const { admin } = await import('../testing/service.mjs');
  await admin.putPrice('text-embedding-3-small', { inputPerMillion: '0.02', outputPerMillion: '0', currency: 'USD' });
  const { id } = await budget('1.00');
  const client = guarded(id);
  // What OpenAI reports for these two strings: one cl100k_base token each (the guard counts them the same way, so
  // the hold is what the call costs; a report far above the hold would be an overrun the ledger refuses).
  provider.next({ input: 2 });

  const answer = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['hello', 'world'] });

  assert.equal(answer.data.length, 1);
  const [hold] = await reservations(id);
  assert.equal(hold.inputTokens, 2);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.settledInputTokens, 2);
  // 2 x 0.02 per million
  assert.equal(client.spent, '0.00000004');
});

test('16 concurrent guarded calls on a budget that fits 5: exactly 5 reach the provider', async () => {
  const probe = await budget('1.00');
  const request = { model: 'gpt-4o', messages, max_tokens: 1000 };
  const { amount } = await guarded(probe.id).ledger.decide({ budgetId: probe.id, model: 'gpt-4o', inputTokens: 17, maxOutputTokens: 1000 });
  assert.equal(amount, '0.0100425');
  const { id } = await budget('0.055'); // 5 holds of 0.0100425, not 6
  const client = guarded(id);
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  provider.always({ beforeAnswer: () => gate });

  const calls = Array.from({ length: 16 }, () => client.chat.completions.create(request));
  const outcomes = Promise.allSettled(calls);
  // Every call has either reached the provider or been denied before the provider answers any.
  let denied = 0;
  calls.forEach((call) => call.catch(() => denied++));
  while (provider.requests.length + denied < 16) await new Promise((resolve) => setTimeout(resolve, 20));
  release();
  const results = await outcomes;

  assert.equal(provider.requests.length, 5);
  assert.equal(results.filter((result) => result.status === 'fulfilled').length, 5);
  const rejected = results.filter((result) => result.status === 'rejected');
  assert.equal(rejected.length, 11);
  assert.ok(rejected.every((result) => result.reason instanceof BudgetExceeded && result.reason.reason === 'INSUFFICIENT_FUNDS'));
  assert.equal(client.calls, 5);
  assert.equal(client.spent, '0.001625'); // 5 x 0.000325
  const after = await client.ledger.getBudget(id);
  assert.equal(after.spent, '0.001625');
  assert.equal(compareDecimal(after.reserved, '0'), 0);
});

test('a per-workflow budget is created under its parent on first use', async () => {
  const parent = await budget('10.00');
  const client = guarded('$0.50', { parent: parent.id, name: 'workflow-42' });
  assert.equal(client.budgetId, undefined);

  await Promise.all([1, 2].map(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 50 })));

  const children = await client.ledger.children(parent.id);
  assert.equal(children.items.length, 1);
  assert.equal(children.items[0].name, 'workflow-42');
  assert.equal(children.items[0].limit, '0.50');
  assert.equal(client.budgetId, children.items[0].id);
  assert.equal(client.spent, '0.000039');
});

test('an unreachable ledger fails closed by default, and open only when asked', async () => {
  const { id } = await budget('1.00');
  const nowhere = { url: 'http://127.0.0.1:9', apiKey: adminKey, retry: { attempts: 2, backoffMs: 10 } };
  const closed = guard(openai(), { budget: id, ledger: nowhere, logger });
  await assert.rejects(closed.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 50 }), LedgerUnavailable);
  assert.equal(provider.requests.length, 0);

  const open = guard(openai(), { budget: id, ledger: nowhere, logger, failOpen: true });
  const answer = await open.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 50 });
  assert.equal(answer.choices[0].message.content, 'Hello from the fake LLM');
  assert.equal(provider.requests.length, 1);
  assert.ok(logger.lines.some((line) => /unguarded \(failOpen\)/.test(line)));
});

test('a long stream keeps its hold alive past its lifetime', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id, { ttlSeconds: 3 });
  // about 8 s of streaming on a 3 s hold; the service's sweep would expire an unextended one
  provider.next({ text: 'a b c d e f g', chunkDelayMs: 800 });

  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 100, stream: true });
  for await (const chunk of stream) void chunk;

  const [hold] = await reservations(id);
  assert.equal(hold.status, 'SETTLED');
  assert.equal(hold.late, false);
  // extended: it now expires well past the 3 s it was made with
  assert.ok(Date.parse(hold.expiresAt) - Date.parse(hold.createdAt) > 5000, `${hold.createdAt} .. ${hold.expiresAt}`);
  assert.equal(client.spent, '0.0000195');
});

test('a client derived with withOptions is guarded on the same budget', async () => {
  const { id } = await budget('1.00');
  const client = guarded(id);

  await client.withOptions({ timeout: 5000 }).chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 50 });

  assert.equal((await reservations(id)).length, 1);
  assert.equal(client.calls, 1);
  assert.equal(client.spent, '0.0000195');
});

test('the ledger reconciles after all of the above', assertReconciled);
