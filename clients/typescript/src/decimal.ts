/**
 * Exact decimal strings: the service sends money as strings ("0.0000195") and the guard adds them up without ever
 * going through a JS number, whose binary fractions would drift.
 */

interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

function parse(value: string): Scaled {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) {
    throw new TypeError(`not a decimal string: ${JSON.stringify(value)}`);
  }
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  let result = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  if (scale > 0) {
    result = result.replace(/\.?0+$/, '');
  }
  return negative && /[1-9]/.test(result) ? `-${result}` : result;
}

/** a + b, exactly, trailing zeros dropped ("0.0000195" + "0.0000195" = "0.000039"). */
export function addDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return format(rescale(x, scale) + rescale(y, scale), scale);
}

/** Compares two decimal strings: negative, zero or positive like a comparator. */
export function compareDecimal(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const difference = rescale(x, scale) - rescale(y, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
