/**
 * The running service the tests talk to (started by test.sh): its URL and admin key from the environment, and
 * helpers to make budgets and check the ledger.
 */
import assert from 'node:assert/strict';

import { BudgetLedger } from 'budget-ledger';

export const url = process.env.BUDGET_LEDGER_URL;
export const adminKey = process.env.BUDGET_LEDGER_ADMIN_KEY;
if (!url || !adminKey) {
  throw new Error('Run the tests with clients/typescript/test.sh: it starts the service and sets BUDGET_LEDGER_URL and BUDGET_LEDGER_ADMIN_KEY');
}

/** Quiet logger that keeps what the guard says, for assertions. */
export function recordingLogger() {
  const lines = [];
  return { lines, warn: (line) => lines.push(`WARN ${line}`), error: (line) => lines.push(`ERROR ${line}`) };
}

export const admin = new BudgetLedger({ url, apiKey: adminKey, logger: recordingLogger() });

let counter = 0;
/** A fresh budget, so tests never share one. */
export async function budget(limit, extra = {}) {
  return admin.createBudget({ name: `ts-test-${process.pid}-${++counter}`, limit, ...extra });
}

/** Every reservation made on a budget, oldest first. */
export async function reservations(budgetId) {
  const page = await admin.reservations({ budgetId, limit: 200 });
  return page.items.reverse();
}

/** GET /v1/admin/reconciliation finds nothing. */
export async function assertReconciled() {
  const report = await admin.reconciliation();
  assert.deepEqual(report.discrepancies, [], JSON.stringify(report.discrepancies));
  assert.equal(report.ok, true);
}

/** A CLIENT key bound to one budget: it may reserve, settle and read there, and nothing else. */
export async function clientKey(budgetId) {
  const response = await fetch(`${url}/v1/api-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: `ts-test-client-${++counter}`, role: 'CLIENT', budgetId }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()).secret;
}
