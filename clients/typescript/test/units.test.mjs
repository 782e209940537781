/** The pure parts: exact decimals, token counting, and which failures can have been billed. No service needed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addDecimal, compareDecimal, countChatInput, encodingOf, estimateAnthropicInput } from 'budget-ledger';

import { applyDecision, maxOutputOf, neverBilled, settleUsage } from '../dist/provider.js';

test('decimal strings add exactly, where numbers would drift', () => {
  assert.equal(addDecimal('0.1', '0.2'), '0.3');
  assert.equal(addDecimal('0.0000195', '0.0000195'), '0.000039');
  assert.equal(addDecimal('0', '0.000000000000000001'), '0.000000000000000001');
  assert.equal(addDecimal('5.00', '-5'), '0');
  assert.equal(compareDecimal('0.00', '0'), 0);
  assert.equal(compareDecimal('-0.01', '0'), -1);
  assert.throws(() => addDecimal('1e-5', '0'), TypeError);
});

test('OpenAI models get their tokenizer; others the estimate', async () => {
  assert.equal(encodingOf('gpt-4o-2024-08-06'), 'o200k_base');
  assert.equal(encodingOf('openai/gpt-4.1-mini'), 'o200k_base');
  assert.equal(encodingOf('o3'), 'o200k_base');
  assert.equal(encodingOf('gpt-4-turbo'), 'cl100k_base');
  assert.equal(encodingOf('text-embedding-3-small'), 'cl100k_base');
  assert.equal(encodingOf('claude-sonnet-4-5'), undefined);
  // "hello world" is 2 tokens of o200k_base, + 3 for the message, 1 for the role, 3 for the reply
  assert.equal(await countChatInput('gpt-4o', { messages: [{ role: 'user', content: 'hello world' }] }), 9);
  // a name costs one more token than its text
  assert.equal(await countChatInput('gpt-4o', { messages: [{ role: 'user', name: 'bob', content: 'hello world' }] }), 11);
  // unknown model: ceil(11 bytes / 3) + 8
  assert.equal(await countChatInput('llama-3-70b', { messages: [{ role: 'user', content: 'hello world' }] }), 12);
  assert.equal(estimateAnthropicInput({ messages: [{ role: 'user', content: [{ type: 'image', source: {} }] }] }), 1600 + 8);
});

test('the output limit is the call\'s own, and the decision replaces it in the field the call used', () => {
  assert.equal(maxOutputOf({ max_tokens: 10 }), 10);
  assert.equal(maxOutputOf({ max_completion_tokens: 20, max_tokens: 10 }), 20);
  assert.equal(maxOutputOf({}), undefined);
  const hold = { model: 'gpt-4o-mini', maxOutputTokens: 64 };
  assert.deepEqual(applyDecision('openai-chat', { model: 'gpt-4o', max_tokens: 500 }, hold, 500, 1), { model: 'gpt-4o-mini', max_tokens: 64 });
  assert.deepEqual(applyDecision('openai-chat', { model: 'gpt-4o' }, hold, undefined, 1), { model: 'gpt-4o-mini', max_completion_tokens: 64 });
  assert.deepEqual(applyDecision('openai-chat', { model: 'gpt-4o', n: 2, max_tokens: 500 }, hold, 500, 2), { model: 'gpt-4o-mini', n: 2, max_tokens: 32 });
  assert.deepEqual(applyDecision('anthropic-messages', { model: 'x', max_tokens: 500 }, { model: 'y', maxOutputTokens: 500 }, 500, 1), { model: 'y', max_tokens: 500 });
});

test('usage maps onto the settle as docs/charging.md says', () => {
  assert.deepEqual(settleUsage('openai-chat', { prompt_tokens: 100, completion_tokens: 50,
    prompt_tokens_details: { cached_tokens: 60 }, completion_tokens_details: { reasoning_tokens: 30 } }),
  { inputTokens: 40, outputTokens: 20, cacheReadTokens: 60, reasoningTokens: 30 });
  assert.deepEqual(settleUsage('openai-embeddings', { prompt_tokens: 9, total_tokens: 9 }), { inputTokens: 9, outputTokens: 0 });
  assert.deepEqual(settleUsage('anthropic-messages', { input_tokens: 5, output_tokens: 7, cache_read_input_tokens: 3,
    cache_creation_input_tokens: 2 }), { inputTokens: 5, outputTokens: 7, cacheReadTokens: 3, cacheWriteTokens: 2 });
  assert.equal(settleUsage('openai-chat', undefined), undefined);
});

test('only failures that cannot have been billed release the hold', () => {
  class APIConnectionError extends Error {}
  class APIConnectionTimeoutError extends Error {}
  const refused = new APIConnectionError('Connection error.', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
  const reset = new APIConnectionError('Connection error.', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
  assert.equal(neverBilled(Object.assign(new Error('500'), { status: 500 })), true);
  assert.equal(neverBilled(refused), true);
  assert.equal(neverBilled(reset), false);
  assert.equal(neverBilled(new APIConnectionTimeoutError('timed out')), false);
  assert.equal(neverBilled(new TypeError('bad argument')), true);
});
