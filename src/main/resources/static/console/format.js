// Amounts arrive as exact decimal strings. They are summed exactly (as BigInt at 18 decimals), shown rounded to
// sensible decimals with their currency, and the exact value is kept in a title for hover; numbers (doubles) are
// only used to size bars and charts.

import { h } from './dom.js';

const SCALE = 18;
const ONE = 10n ** BigInt(SCALE);

/** An exact decimal string as a BigInt count of 10^-18. */
export function units(value) {
  const text = String(value ?? '0').trim();
  const negative = text.startsWith('-');
  const body = /^[+-]/.test(text) ? text.slice(1) : text;
  const [whole, fraction = ''] = body.split('.');
  const scaled = BigInt(whole || '0') * ONE + BigInt((fraction + '0'.repeat(SCALE)).slice(0, SCALE) || '0');
  return negative ? -scaled : scaled;
}

/** The exact decimal string of a units count: no trailing zeros past `minDecimals`. */
export function decimal(count, minDecimals = 2) {
  const negative = count < 0n;
  const abs = negative ? -count : count;
  let fraction = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
  fraction = fraction.padEnd(minDecimals, '0');
  return `${negative ? '-' : ''}${(abs / ONE).toString()}${fraction ? `.${fraction}` : ''}`;
}

/** The exact sum of decimal strings. */
export function sum(values, minDecimals = 2) {
  return decimal(values.reduce((total, value) => total + units(value), 0n), minDecimals);
}

function rounded(count, places) {
  const negative = count < 0n;
  const abs = negative ? -count : count;
  const factor = 10n ** BigInt(SCALE - places);
  let quotient = abs / factor;
  if ((abs % factor) * 2n >= factor) quotient += 1n;
  const digits = quotient.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = places ? digits.slice(digits.length - places) : '';
  const zero = quotient === 0n;
  return `${negative && !zero ? '-' : ''}${grouped(whole)}${fraction ? `.${fraction}` : ''}`;
}

/**
 * A money or token amount as people read it: tokens whole with separators; money with 2 decimals from 1 up, and
 * below 1 with three significant digits (0.0588), trailing zeros past the cents dropped. The exact value is
 * `exact(value, unit)`.
 */
export function amount(value, unit) {
  if (value === undefined || value === null || value === '') return '–';
  const count = units(value);
  if (unit === 'TOKENS') return `${rounded(count, 0)} tokens`;
  const abs = count < 0n ? -count : count;
  let places = 2;
  if (abs !== 0n && abs < ONE) {
    const leadingZeros = abs.toString().padStart(SCALE, '0').search(/[1-9]/);
    places = Math.min(8, Math.max(2, leadingZeros + 3));
  }
  let text = rounded(count, places);
  if (places > 2) text = text.replace(/(\.\d{2}\d*?)0+$/, '$1');
  return `${text}${unit ? ` ${unit}` : ''}`;
}

/** The amount exactly as the API gave it, with its unit. */
export function exact(value, unit) {
  if (value === undefined || value === null || value === '') return '–';
  return `${value}${unit ? ` ${unit === 'TOKENS' ? 'tokens' : unit}` : ''}`;
}

/** An amount as an element: rounded text, the exact value on hover (title) and in data-exact. */
export function money(value, unit) {
  return h('span', { class: 'money', title: exact(value, unit), dataset: { exact: String(value ?? '') } },
    amount(value, unit));
}

/** A whole count (tokens, calls) with thousands separators. */
export function count(value) {
  return grouped(String(value ?? 0));
}

function grouped(whole) {
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const [integer, fraction] = digits.split('.');
  const withCommas = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${withCommas}${fraction ? `.${fraction}` : ''}`;
}

/** For drawing only. */
export function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

export function percent(fraction) {
  return `${Math.round(fraction * 1000) / 10}%`;
}

export function when(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const thisYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleString(undefined, { year: thisYear ? undefined : 'numeric', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The last 8 characters: ids are UUIDv7, whose first ones are a timestamp shared by ids made together. */
export function shortId(id) {
  return id ? `…${String(id).slice(-8)}` : '–';
}

/** Effective limit, spent, reserved and alert level of a budget, for its utilisation bar. */
export function utilisation(budget) {
  const limit = num(budget.limit) + num(budget.carriedOver);
  const spent = num(budget.spent);
  const reserved = num(budget.reserved);
  const used = limit > 0 ? (spent + reserved) / limit : (spent + reserved > 0 ? 1 : 0);
  const thresholds = (budget.thresholds || []).map(num).sort((a, b) => a - b);
  const crossed = thresholds.filter((t) => used >= t);
  const top = thresholds.length ? thresholds[thresholds.length - 1] : 1;
  let level = 'ok';
  if (used >= Math.min(top, 1) || used >= 1) level = 'critical';
  else if (crossed.length) level = 'warning';
  return { limit, spent, reserved, used, level, crossed: crossed.length ? crossed[crossed.length - 1] : null };
}
