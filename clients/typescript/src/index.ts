export { BudgetLedger } from './client.js';
export type { BudgetLedgerOptions, Hold, Logger, RetryOptions, WriteOptions } from './client.js';
export { BudgetDenied, BudgetExceeded, BudgetLedgerError, LedgerUnavailable } from './errors.js';
export { guard } from './guard.js';
export { SyntheticStream } from './streams.js';
export type { GuardOptions, GuardState, Guarded, OnLimit } from './guard.js';
export { addDecimal, compareDecimal } from './decimal.js';
export {
  countChatInput, countEmbeddingInput, encodingOf, estimateAnthropicInput, estimateTokens, IMAGE_TOKENS,
} from './tokens.js';
export type * from './types.js';
