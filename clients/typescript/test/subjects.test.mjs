/**
 * Per-user budgets on demand and run caps, through the client against the real service: a reserve with `subject` is
 * held on the subject's child, made from the parent's childTemplate on first use, and a run cap of 2 denies the
 * third call of one run (`runId`) with RUN_CALL_LIMIT.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { BudgetDenied, BudgetLedger } from 'budget-ledger';

import { adminKey, assertReconciled, budget, url } from '../testing/service.mjs';

const ledger = new BudgetLedger({ url, apiKey: adminKey });

test("a subject's first reserve makes its child from the template and the next ones use it", async () => {
  const parent = await budget('100', { childTemplate: { limit: '0.25', period: 'DAILY' } });

  const first = await ledger.reserve({ budgetId: parent.id, amount: '0.10', subject: 'user-123' });
  const again = await ledger.reserve({ budgetId: parent.id, amount: '0.10', subject: 'user-123' });
  const other = await ledger.reserve({ budgetId: parent.id, amount: '0.10', subject: 'user-456' });

  assert.notEqual(first.budgetId, parent.id);
  assert.equal(again.budgetId, first.budgetId);
  assert.notEqual(other.budgetId, first.budgetId);
  const child = await ledger.getBudget(first.budgetId);
  assert.equal(child.parentId, parent.id);
  assert.equal(child.subject, 'user-123');
  assert.equal(child.reserved, '0.20');
  assert.equal((await ledger.getBudget(parent.id)).reserved, '0.30');
  const decision = await ledger.decide({ budgetId: parent.id, amount: '0.10', subject: 'user-123' });
  assert.equal(decision.decision, 'DENY');
  assert.equal(decision.reason, 'INSUFFICIENT_FUNDS');
  await assertReconciled();
});

test("a run cap of 2 denies the run's third call with RUN_CALL_LIMIT", async () => {
  const { id } = await budget('10', { maxCallsPerRun: 2 });
  const runId = `run-${randomUUID()}`;

  const held = await ledger.reserve({ budgetId: id, amount: '0.01', runId });
  assert.equal(held.runId, runId);
  await ledger.reserve({ budgetId: id, amount: '0.01', runId });

  await assert.rejects(ledger.reserve({ budgetId: id, amount: '0.01', runId }), (error) => {
    assert.ok(error instanceof BudgetDenied);
    assert.equal(error.reason, 'RUN_CALL_LIMIT');
    assert.equal(error.limitingBudgetId, id);
    assert.equal(error.runId, runId);
    return true;
  });
  // another run has its own two calls
  assert.equal((await ledger.reserve({ budgetId: id, amount: '0.01', runId: `run-${randomUUID()}` })).decision, 'ALLOW');
  assert.equal((await ledger.getBudget(id)).maxCallsPerRun, 2);
  await assertReconciled();
});
