/**
 * What the API gained for holds that fit the work and for governance, through the client against the real service:
 * extend resizes a held reservation (up, down, denied when the growth does not fit), a budget's allowedModels deny
 * another model with MODEL_NOT_ALLOWED, and maxHoldOutputTokens caps what a reservation holds when made.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BudgetDenied, BudgetLedger, compareDecimal } from 'budget-ledger';

import { adminKey, assertReconciled, budget, url } from '../testing/service.mjs';

const ledger = new BudgetLedger({ url, apiKey: adminKey });

test('extend grows and shrinks a held reservation and the budget holds what it holds', async () => {
  const { id } = await budget('5.00');
  // gpt-4o at 2.50 and 10.00 USD per million: 1000 in and 1000 out hold 0.0125
  const hold = await ledger.reserve({ budgetId: id, model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 1000 });
  assert.equal(hold.amount, '0.0125');

  const grown = await ledger.extend(hold.id, { maxOutputTokens: 3000 });
  assert.equal(grown.status, 'HELD');
  assert.equal(grown.maxOutputTokens, 3000);
  assert.equal(grown.amount, '0.0325');
  assert.equal(grown.available, '4.9675');
  assert.equal((await ledger.getBudget(id)).reserved, '0.0325');

  const shrunk = await ledger.extend(hold.id, { maxOutputTokens: 100, ttlSeconds: 600 });
  assert.equal(shrunk.amount, '0.0035');
  assert.ok(Date.parse(shrunk.expiresAt) > Date.parse(hold.expiresAt));
  assert.equal((await ledger.getBudget(id)).reserved, '0.0035');
  assert.equal((await ledger.extend(hold.id, 900)).amount, '0.0035', 'a ttl alone still only extends');

  const byAmount = await ledger.reserve({ budgetId: id, amount: '1.00' });
  assert.equal((await ledger.extend(byAmount.id, { amount: '2.50' })).amount, '2.50');
  assert.equal((await ledger.extend(byAmount.id, { amount: '0.25' })).amount, '0.25');
  assert.equal((await ledger.getBudget(id)).reserved, '0.2535');

  await ledger.settle(hold.id, { inputTokens: 1000, outputTokens: 50 });
  await ledger.release(byAmount.id);
  assert.equal(compareDecimal((await ledger.getBudget(id)).reserved, '0'), 0);
});

test('a growth that does not fit is denied and leaves the hold as it was', async () => {
  const { id } = await budget('0.05');
  const hold = await ledger.reserve({ budgetId: id, model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 1000 });

  // 0.1025 in all: 0.09 more of the 0.0375 left
  await assert.rejects(ledger.extend(hold.id, { maxOutputTokens: 10000 }), (error) => {
    assert.ok(error instanceof BudgetDenied);
    assert.equal(error.reason, 'INSUFFICIENT_FUNDS');
    assert.equal(error.requested, '0.09');
    assert.equal(error.available, '0.0375');
    return true;
  });
  const after = await ledger.getReservation(hold.id);
  assert.equal(after.amount, '0.0125');
  assert.equal(after.maxOutputTokens, 1000);
  assert.equal((await ledger.getBudget(id)).reserved, '0.0125');
  await ledger.release(hold.id);
});

test('a budget with allowedModels denies another model; a patch widens and removes the list', async () => {
  const created = await budget('5.00', { allowedModels: ['gpt-4o-mini'], maxHoldOutputTokens: 4000 });
  assert.deepEqual(created.allowedModels, ['gpt-4o-mini']);
  assert.equal(created.maxHoldOutputTokens, 4000);
  assert.deepEqual((await ledger.getBudget(created.id)).allowedModels, ['gpt-4o-mini']);

  await assert.rejects(ledger.reserve({ budgetId: created.id, model: 'gpt-4o', inputTokens: 100, maxOutputTokens: 100 }),
    (error) => error instanceof BudgetDenied && error.reason === 'MODEL_NOT_ALLOWED' && error.limitingBudgetId === created.id);
  const held = await ledger.reserve({ budgetId: created.id, model: 'gpt-4o-mini', inputTokens: 100, maxOutputTokens: 10000 });
  assert.equal(held.maxOutputTokens, 4000, 'held at the budget\'s cap');
  assert.equal(held.capped, true);
  assert.equal((await ledger.extend(held.id, { maxOutputTokens: 10000 })).maxOutputTokens, 10000, 'and it may grow later');
  await ledger.release(held.id);
  assert.equal((await ledger.getBudget(created.id)).deniedCount, 1);

  const widened = await ledger.updateBudget(created.id, { allowedModels: ['gpt-4o-mini', 'gpt-4o'], maxHoldOutputTokens: null });
  assert.deepEqual(widened.allowedModels, ['gpt-4o-mini', 'gpt-4o']);
  assert.equal(widened.maxHoldOutputTokens, undefined);
  await ledger.release((await ledger.reserve({ budgetId: created.id, model: 'gpt-4o', inputTokens: 100, maxOutputTokens: 100 })).id);
  const opened = await ledger.updateBudget(created.id, { allowedModels: null });
  assert.equal(opened.allowedModels, undefined);
  await ledger.release((await ledger.reserve({ budgetId: created.id, amount: '0.10' })).id);
  await assertReconciled();
});
