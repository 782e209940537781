export { BudgetLedger } from './client.js';
export { BudgetDenied, BudgetExceeded, BudgetLedgerError, LedgerUnavailable } from './errors.js';
export { guard } from './guard.js';
export { SyntheticStream } from './streams.js';
export { addDecimal, compareDecimal } from './decimal.js';
export { countChatInput, countEmbeddingInput, encodingOf, estimateAnthropicInput, estimateTokens, IMAGE_TOKENS, } from './tokens.js';
//# sourceMappingURL=index.js.map