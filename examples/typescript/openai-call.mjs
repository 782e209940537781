// @ts-check
/**
 * One chat completion through the official openai package, guarded by budget-ledger: `npm ci && node openai-call.mjs`.
 *
 * Environment: BUDGET_LEDGER_URL (default http://localhost:8080), BUDGET_LEDGER_API_KEY, BUDGET_ID (if unset, a
 * $5.00 budget is created, which needs an admin key), OPENAI_BASE_URL (default https://api.openai.com/v1; any
 * OpenAI-compatible server), OPENAI_API_KEY, MODEL (default gpt-4o-mini).
 */
import OpenAI from 'openai';

import { BudgetExceeded, BudgetLedger, guard } from 'budget-ledger';

const ledger = new BudgetLedger(); // BUDGET_LEDGER_URL and BUDGET_LEDGER_API_KEY
const budget = process.env.BUDGET_ID || (await ledger.createBudget({ name: 'typescript-example', limit: '5.00' })).id;

// The two lines: every call is now held on the budget first and charged what it used after.
const client = guard(new OpenAI({ maxRetries: 0 }), { budget, ledger });

try {
  const completion = await client.chat.completions.create({
    model: process.env.MODEL ?? 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello to the budget ledger in five words.' }],
    max_tokens: 200,
  });
  console.log('answer:', completion.choices[0]?.message.content);
  console.log(`charged ${client.spent}, budget has ${client.remaining} left (${client.calls} call)`);
} catch (error) {
  if (!(error instanceof BudgetExceeded)) throw error;
  console.log(`denied: ${error.reason} (available ${error.available}, asked ${error.requested})`);
  process.exitCode = 3;
}
