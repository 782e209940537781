// Compiled (never run) by test.sh: what a TypeScript program sees of the package's declarations. A change that
// breaks these types for a user breaks the build.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import {
  BudgetDenied, BudgetExceeded, BudgetLedger, LedgerUnavailable, guard, type Budget, type Guarded, type Reservation,
} from 'budget-ledger';

export async function typed(): Promise<void> {
  const ledger = new BudgetLedger({ url: 'http://localhost:8080', apiKey: 'bl_live_x', failOpen: false });
  const budget: Budget = await ledger.createBudget({ name: 'x', limit: '5.00' });
  const hold: Reservation = await ledger.reserve({ budgetId: budget.id, model: 'gpt-4o', inputTokens: 10 });
  const settled = await ledger.settle(hold.id, { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0 });
  const charged: string | undefined = settled.charged;
  void charged;

  const openai: Guarded<OpenAI> = guard(new OpenAI({ apiKey: 'x' }), { budget: budget.id, ledger, onLimit: 'stop' });
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const text: string | null = completion.choices[0]!.message.content;
  void text;
  const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true });
  for await (const chunk of stream) void chunk.choices[0]?.delta.content;
  const spent: string = openai.spent;
  const remaining: string | undefined = openai.remaining;
  const calls: number = openai.calls;
  void [spent, remaining, calls];

  const claude = guard(new Anthropic({ apiKey: 'x' }), { budget: '$0.50', parent: budget.id, fallback: ['claude-haiku-4-5'] });
  const message = await claude.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [] });
  void message.content;

  try {
    await ledger.reserve({ budgetId: budget.id, amount: '1' });
  } catch (error) {
    if (error instanceof BudgetExceeded) void error.remaining;
    else if (error instanceof BudgetDenied) void [error.reason, error.available, error.code, error.problem.requestId];
    else if (error instanceof LedgerUnavailable) void error.status;
  }
}
