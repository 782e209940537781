import type { BudgetDenied } from './errors.js';
import type { Kind, WithResponse } from './provider.js';
/** onLimit 'stop': an answer of the SDK's own shape that says the call was not made, and why. */
export declare function stopAnswer(kind: Kind, body: Record<string, unknown>, denied: BudgetDenied, message: string | undefined): WithResponse<unknown>;
//# sourceMappingURL=stop.d.ts.map