// @ts-check
/**
 * One OpenAI-style chat completion inside a budget-ledger hold (Node's fetch only): `node openai-call.mjs`.
 *
 * Environment: BUDGET_LEDGER_URL (default http://localhost:8080), BUDGET_LEDGER_API_KEY, BUDGET_ID (if unset, a
 * $5.00 budget is created, which needs an admin key), OPENAI_BASE_URL (default https://api.openai.com/v1; any
 * OpenAI-compatible server), OPENAI_API_KEY, MODEL (default gpt-4o-mini).
 */
import { BudgetDenied, BudgetLedger } from './budget-ledger.mjs';

const env = process.env;
const ledger = new BudgetLedger(env.BUDGET_LEDGER_URL ?? 'http://localhost:8080', env.BUDGET_LEDGER_API_KEY ?? '');
const budgetId = env.BUDGET_ID || (await ledger.createBudget('typescript-example', '5.00')).id;
const messages = [{ role: 'user', content: 'Say hello to the budget ledger in five words.' }];
const maxTokens = 200;
// About 4 characters a token, plus 4 per message and 3 for the reply: only sizes the hold.
const inputTokens = messages.reduce((sum, m) => sum + 4 + Math.ceil(m.content.length / 4), 3);

try {
  const answer = await ledger.withReservation(budgetId,
    { model: env.MODEL ?? 'gpt-4o-mini', inputTokens, maxOutputTokens: maxTokens },
    async (hold) => {
      console.log(`reserved ${hold.amount} for ${hold.model} (reservation ${hold.id})`);
      const response = await fetch(`${(env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${env.OPENAI_API_KEY ?? ''}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: hold.model, messages, max_tokens: maxTokens }),
      });
      if (!response.ok) throw new Error(`the LLM answered ${response.status}: ${await response.text()}`);
      const completion = await response.json();
      const cached = completion.usage.prompt_tokens_details?.cached_tokens ?? 0;
      const settled = await hold.settle({
        inputTokens: completion.usage.prompt_tokens - cached,
        outputTokens: completion.usage.completion_tokens,
        ...(cached ? { cacheReadTokens: cached } : {}),
      });
      return { text: completion.choices[0].message.content, settled };
    });
  console.log('answer:', answer.text);
  console.log(`charged ${answer.settled.charged}, released ${answer.settled.released}, budget has ${answer.settled.available} left`);
} catch (error) {
  if (!(error instanceof BudgetDenied)) throw error;
  console.log(`denied: ${error.reason} (available ${error.available}, asked ${error.requested})`);
  process.exitCode = 3;
}
