// @ts-check
/**
 * The check-then-act race, and the service holding the cap (the budget-ledger package): `npm ci && node race.mjs`.
 *
 * With 4.99 spent on a 5.00 cap, N agents start a call of worst case 0.004 at the same moment. A naive counter
 * ("is there room? then call, then add the cost") lets every one of them through: each reads 4.99 before anyone
 * adds. The service answers each reserve under the budget's row lock: exactly as many as fit are allowed.
 *
 * Environment: BUDGET_LEDGER_URL (default http://localhost:8080), BUDGET_LEDGER_API_KEY (an admin key: it creates
 * the budget), CALLS (default 10). Exits 0 only if the naive counter overshot and the service did not.
 */
import { BudgetDenied, BudgetLedger } from 'budget-ledger';

// Money in millionths as BigInt for the naive counter: never floating point.
const MICROS = 1_000_000n;
const CAP = 5_000_000n;
const ALREADY_SPENT = 4_990_000n;
const COST = 4_000n;
const money = (/** @type {bigint} */ micros) => `${micros / MICROS}.${String(micros % MICROS).padStart(6, '0')}`;
const micros = (/** @type {string} */ decimal) => {
  const [whole, fraction = ''] = decimal.split('.');
  return BigInt(whole) * MICROS + BigInt(fraction.padEnd(6, '0').slice(0, 6));
};
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

const calls = Number(process.env.CALLS ?? 10);
const ledger = new BudgetLedger(); // BUDGET_LEDGER_URL and BUDGET_LEDGER_API_KEY
const fit = Number((CAP - ALREADY_SPENT) / COST);

// The naive counter: check, call, then act.
let spent = ALREADY_SPENT;
const naive = await Promise.all(Array.from({ length: calls }, async () => {
  if (spent + COST > CAP) return false; // the check ...
  await sleep(100);                     // ... the LLM call ...
  spent += COST;                        // ... the act, long after the check
  return true;
}));
const naiveAllowed = naive.filter(Boolean).length;
console.log(`naive counter: ${naiveAllowed} of ${calls} calls allowed, spent ${money(spent)} of ${money(CAP)} (${spent > CAP ? 'OVER THE CAP' : 'within the cap'})`);

// The same calls through budget-ledger.
const budget = (await ledger.createBudget({ name: 'race-example', limit: money(CAP) })).id;
await ledger.withReservation({ budgetId: budget, amount: money(ALREADY_SPENT) }, (hold) => hold.settle({ amount: money(ALREADY_SPENT) }));
const results = await Promise.all(Array.from({ length: calls }, async () => {
  try {
    await ledger.withReservation({ budgetId: budget, amount: money(COST) }, async (hold) => {
      await sleep(50); // the LLM call
      await hold.settle({ amount: money(COST) });
    });
    return true;
  } catch (error) {
    if (error instanceof BudgetDenied) return false;
    throw error;
  }
}));
const allowed = results.filter(Boolean).length;
const ledgerSpent = micros((await ledger.getBudget(budget)).spent);
console.log(`budget-ledger: ${allowed} of ${calls} calls allowed, spent ${money(ledgerSpent)} of ${money(CAP)} (${ledgerSpent > CAP ? 'OVER THE CAP' : 'within the cap'})`);

const held = ledgerSpent <= CAP && allowed === fit;
console.log(`cap held by budget-ledger: ${held ? 'yes' : 'NO'} (room for ${fit} calls)`);
process.exitCode = held && spent > CAP ? 0 : 1;
