/**
 * The typed ledger client against the real service (test.sh starts it): every operation a program needs, typed
 * errors, retries with the same Idempotency-Key, timeouts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { BudgetDenied, BudgetLedger, BudgetLedgerError, LedgerUnavailable, compareDecimal } from 'budget-ledger';

import { FlakyProxy } from '../testing/flaky-proxy.mjs';
import { adminKey, assertReconciled, budget, recordingLogger, reservations, url } from '../testing/service.mjs';

const ledger = new BudgetLedger({ url, apiKey: adminKey });
const proxy = new FlakyProxy(url);

before(() => proxy.start());
after(() => proxy.stop());

function throughProxy(options = {}) {
  return new BudgetLedger({ url: proxy.url, apiKey: adminKey, retry: { attempts: 3, backoffMs: 10 }, logger: recordingLogger(), ...options });
}

test('budgets: create, get, children, update', async () => {
  const parent = await ledger.createBudget({ name: 'ts-client-parent', limit: '10.00' });
  const child = await ledger.createBudget({ name: 'ts-client-child', limit: '2.50', parentId: parent.id, mode: 'SOFT' });

  assert.equal(parent.limit, '10.00');
  assert.equal(child.parentId, parent.id);
  assert.equal((await ledger.getBudget(child.id)).mode, 'SOFT');
  const children = await ledger.children(parent.id, { limit: 10 });
  assert.deepEqual(children.items.map((item) => item.id), [child.id]);
  assert.equal(children.nextCursor, null);
  assert.equal((await ledger.updateBudget(child.id, { limit: '3.00' })).limit, '3.00');
});

test('reserve, extend, settle: money stays an exact decimal string', async () => {
  const { id } = await budget('5.00');

  const hold = await ledger.reserve({ budgetId: id, model: 'gpt-4o', inputTokens: 1200, maxOutputTokens: 800, ttlSeconds: 60 });
  assert.equal(hold.decision, 'ALLOW');
  assert.equal(hold.amount, '0.011');
  const extended = await ledger.extend(hold.id, 600);
  assert.ok(Date.parse(extended.expiresAt) > Date.parse(hold.expiresAt));
  const settled = await ledger.settle(hold.id, { inputTokens: 1200, outputTokens: 310 });

  assert.equal(settled.status, 'SETTLED');
  assert.equal(settled.charged, '0.0061');
  assert.equal(settled.released, '0.0049');
  assert.equal(settled.available, '4.9939');
  assert.equal((await ledger.getReservation(hold.id)).status, 'SETTLED');
});

test('release gives the hold back', async () => {
  const { id } = await budget('1.00');
  const hold = await ledger.reserve({ budgetId: id, amount: '0.25' });

  const released = await ledger.release(hold.id);

  assert.equal(released.status, 'RELEASED');
  assert.equal(released.available, '1.00');
});

test('a dry run decides without holding anything', async () => {
  const { id } = await budget('0.01');

  const allow = await ledger.decide({ budgetId: id, amount: '0.005' });
  const deny = await ledger.decide({ budgetId: id, amount: '0.02' });

  assert.equal(allow.decision, 'ALLOW');
  assert.equal(deny.decision, 'DENY');
  assert.equal(deny.reason, 'INSUFFICIENT_FUNDS');
  assert.equal(compareDecimal((await ledger.getBudget(id)).reserved, '0'), 0);
});

test('usage: spend by model', async () => {
  const { id } = await budget('1.00');
  // Held for what the call may use (50 input, up to 100 output), settled at what it used: within the hold.
  const hold = await ledger.reserve({ budgetId: id, model: 'gpt-4o-mini', inputTokens: 50, maxOutputTokens: 100 });
  await ledger.settle(hold.id, { inputTokens: 50, outputTokens: 20 });

  const report = await ledger.usage(id, { groupBy: 'model' });

  assert.equal(report.groupBy, 'model');
  assert.equal(report.total.spend, '0.0000195');
  assert.deepEqual(report.groups.map((group) => [group.key, group.callsAllowed]), [['gpt-4o-mini', 1]]);
});

test('a DENY is a BudgetDenied with the problem fields', async () => {
  const { id } = await budget('0.01');

  await assert.rejects(ledger.reserve({ budgetId: id, amount: '0.02' }), (error) => {
    assert.ok(error instanceof BudgetDenied);
    assert.equal(error.status, 402);
    assert.equal(error.code, 'RESERVATION_DENIED');
    assert.equal(error.reason, 'INSUFFICIENT_FUNDS');
    assert.equal(error.limitingBudgetId, id);
    assert.equal(error.requested, '0.02');
    assert.equal(error.available, '0.01');
    assert.ok(error.requestId);
    return true;
  });
});

test('other errors carry their problem code and fields', async () => {
  await assert.rejects(ledger.getReservation('01a207bc-48e6-78ac-9d94-0eeb5cf9c019'), (error) => {
    assert.ok(error instanceof BudgetLedgerError && !(error instanceof LedgerUnavailable));
    assert.equal(error.status, 404);
    assert.equal(error.code, 'RESERVATION_NOT_FOUND');
    return true;
  });
  const { id } = await budget('1.00');
  await assert.rejects(ledger.reserve({ budgetId: id, model: 'no-such-model', inputTokens: 1, maxOutputTokens: 1 }), (error) => {
    assert.equal(error.status, 400);
    assert.equal(error.code, 'UNKNOWN_MODEL');
    return true;
  });
  await assert.rejects(ledger.reserve({ budgetId: id, amount: '-1' }), (error) => {
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(error.problem.errors.some((field) => field.field === 'amount'));
    return true;
  });
});

test('a reserve whose answer was lost is retried with the same Idempotency-Key: one hold', async () => {
  const { id } = await budget('1.00');
  proxy.seen = [];
  proxy.faults = ['drop-answer'];

  const hold = await throughProxy().reserve({ budgetId: id, amount: '0.10' });

  assert.equal(proxy.seen.length, 2);
  assert.ok(proxy.seen[0].key);
  assert.equal(proxy.seen[1].key, proxy.seen[0].key);
  assert.equal(proxy.seen[1].replayed, 'true');
  assert.deepEqual((await reservations(id)).map((reservation) => reservation.id), [hold.id]);
  await ledger.release(hold.id);
});

test('a 503 is retried with the same key, and a caller-given key is the one sent', async () => {
  const { id } = await budget('1.00');
  proxy.seen = [];
  proxy.faults = ['unavailable'];

  const key = `ts-client-retry-${randomUUID()}`;
  const hold = await throughProxy().reserve({ budgetId: id, amount: '0.10' }, { idempotencyKey: key });
  const settled = await throughProxy().settle(hold.id, { amount: '0.05' });

  assert.deepEqual(proxy.seen.slice(0, 2).map((seen) => seen.key), [key, key]);
  assert.equal(settled.charged, '0.05');
});

test('a ledger that does not answer in time is LedgerUnavailable after every try', async () => {
  proxy.seen = [];
  proxy.faults = ['hang', 'hang'];
  const started = Date.now();

  await assert.rejects(throughProxy({ timeoutMs: 200, retry: { attempts: 2, backoffMs: 10 } })
    .reserve({ budgetId: '01a207bc-48e6-78ac-9d94-0eeb5cf9c019', amount: '0.10' }), (error) => {
    assert.ok(error instanceof LedgerUnavailable);
    assert.equal(error.status, 0);
    assert.match(error.message, /after 2 attempt/);
    return true;
  });
  assert.ok(Date.now() - started >= 400);
  assert.equal(proxy.seen.length, 2);
  assert.equal(proxy.seen[1].key, proxy.seen[0].key);
});

test('withReservation releases when the block throws and charges the worst case when it does not settle', async () => {
  const { id } = await budget('1.00');

  await assert.rejects(ledger.withReservation({ budgetId: id, amount: '0.10' }, async () => {
    throw new Error('the LLM call failed');
  }), /the LLM call failed/);
  await ledger.withReservation({ budgetId: id, model: 'gpt-4o-mini', inputTokens: 100, maxOutputTokens: 100 }, async () => 'no settle');
  const answer = await ledger.withReservation({ budgetId: id, amount: '0.10' }, async (hold) => {
    await hold.settle({ amount: '0.03' });
    return 'settled';
  });

  assert.equal(answer, 'settled');
  const [first, second, third] = await reservations(id);
  assert.equal(first.status, 'RELEASED');
  assert.equal(second.charged, second.amount);
  assert.equal(third.charged, '0.03');
});

test('the ledger reconciles after all of the above', assertReconciled);
