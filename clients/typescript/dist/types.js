/**
 * The service's JSON, as openapi.yaml describes it. Money is always a decimal string, never a number; token
 * counts are integers.
 */
export {};
//# sourceMappingURL=types.js.map