/**
 * Exact decimal strings: the service sends money as strings ("0.0000195") and the guard adds them up without ever
 * going through a JS number, whose binary fractions would drift.
 */
/** a + b, exactly, trailing zeros dropped ("0.0000195" + "0.0000195" = "0.000039"). */
export declare function addDecimal(a: string, b: string): string;
/** Compares two decimal strings: negative, zero or positive like a comparator. */
export declare function compareDecimal(a: string, b: string): number;
//# sourceMappingURL=decimal.d.ts.map