// Amounts arrive as exact decimal strings and are shown as such; numbers are only used to size bars and charts.

export function amount(value, unit) {
  if (value === undefined || value === null || value === '') return '–';
  const text = String(value);
  if (unit === 'TOKENS') return grouped(text);
  const [whole, fraction = ''] = text.split('.');
  // Trailing zeros past the cents say nothing (1.000000000000000000 is 1.00); no digit that matters is dropped.
  const shown = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${grouped(whole)}.${shown}${unit ? ` ${unit}` : ''}`;
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
