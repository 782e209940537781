// The budget form, for creating (all fields) and editing (what can change after creation).

import { api } from '../api.js';
import { h, field } from '../dom.js';
import { formDialog } from '../components.js';

function input(attrs) {
  return h('input', { type: 'text', ...attrs });
}

function select(options, value) {
  return h('select', {}, options.map((option) => h('option', { value: option, selected: option === value }, option)));
}

function optional(value) {
  const text = value.trim();
  return text === '' ? undefined : text;
}

// The model names the API accepts (openapi.yaml, allowedModels); checked here so a typo is named before it is sent.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;

/** A comma-separated list of model names: undefined when empty, else the names (throws naming a bad one). */
export function allowedModelsOf(text) {
  const names = text.split(',').map((part) => part.trim()).filter(Boolean);
  const bad = names.find((name) => !MODEL_NAME.test(name));
  if (bad !== undefined) {
    throw new Error(`Allowed models: "${bad}" is not a model name (letters, digits and . _ : @ / -).`);
  }
  if (names.length > 100) throw new Error(`Allowed models: at most 100 names, not ${names.length}.`);
  return names.length ? [...new Set(names)] : undefined;
}

/** A whole number of output tokens from 1 to 100,000,000, or undefined when empty (throws when it is not one). */
export function holdCapOf(text) {
  const value = optional(text);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100000000) {
    throw new Error('Max output tokens held: a whole number from 1 to 100000000.');
  }
  return Number(value);
}

/** A whole number from 1 to max, or undefined when empty (throws naming the field when it is not one). */
export function wholeOf(text, label, max) {
  const value = optional(text);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || /^0+$/.test(value) || BigInt(value) > BigInt(max)) {
    throw new Error(`${label}: a whole number from 1 to ${max}.`);
  }
  return Number(value);
}

const MAX_AMOUNT = 1000000000000n;

/**
 * An amount above zero as the API takes it, kept as the exact string typed (at most 18 decimals and 10^12; whole on a
 * token budget), or undefined when empty (throws naming the field when it is not one).
 */
export function positiveAmountOf(text, label, tokens) {
  const value = optional(text);
  if (value === undefined) return undefined;
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(value);
  const fraction = match ? (match[2] || '') : '';
  const whole = match ? BigInt(match[1]) : 0n;
  const zero = match && whole === 0n && /^0*$/.test(fraction);
  if (!match || zero || whole > MAX_AMOUNT || (whole === MAX_AMOUNT && !/^0*$/.test(fraction))) {
    throw new Error(`${label}: an amount above 0, e.g. 2.50 (at most 18 decimals and 1000000000000).`);
  }
  if (tokens && !/^0*$/.test(fraction)) throw new Error(`${label}: whole tokens on a TOKENS budget.`);
  return value;
}

// The run and minute caps of issue 22: [field, label, what it does, most the API takes (integers)].
const RUN_AND_MINUTE = [
  ['maxCallsPerRun', 'Max calls per run', 'Reserves allowed per run (a reserve\'s runId) here and below, ever; one more '
    + 'is denied RUN_CALL_LIMIT.', 1000000000000],
  ['maxAmountPerRun', 'Max amount per run', 'What one run may hold plus what it was charged here and below, in the '
    + 'budget\'s unit; beyond it RUN_AMOUNT_LIMIT.', null],
  ['maxRequestsPerMinute', 'Max requests per minute', 'Reserves allowed here and below per fixed UTC minute; one more '
    + 'is denied REQUEST_RATE_LIMIT with Retry-After.', 1000000000],
  ['maxTokensPerMinute', 'Max tokens per minute', 'Tokens held (input + max output) here and below per fixed UTC '
    + 'minute; beyond it TOKEN_RATE_LIMIT.', 1000000000000],
];

function thresholdsOf(text) {
  const parts = text.split(',').map((part) => part.trim()).filter(Boolean);
  return parts.length ? parts : undefined;
}

/** Resolves to the created or changed budget, or null when cancelled. */
export function budgetForm({ budget, parent, budgets }) {
  const editing = Boolean(budget);
  const name = field('Name', input({ required: true, maxlength: 200, value: budget ? budget.name : '' }));
  const limit = field('Limit', input({ required: true, inputmode: 'decimal', value: budget ? budget.limit : '' }),
    'A decimal amount in the unit, e.g. 500.00; whole tokens for TOKENS budgets.');
  const unit = field('Unit', input({ value: parent ? parent.unit : 'USD', maxlength: 6 }),
    'A currency (USD, EUR, ...) or TOKENS. Fixed at creation.');
  const parentChoice = field('Parent budget', h('select', {},
    h('option', { value: '' }, '(none: a top-level budget)'),
    (budgets || []).map((b) => h('option', { value: b.id, selected: parent && parent.id === b.id },
      `${'— '.repeat(b.depth)}${b.name}`))));
  const period = field('Period', select(['NONE', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'], 'NONE'),
    'When spent starts again from zero. Fixed at creation.');
  const mode = field('Mode', select(['HARD', 'SOFT'], budget ? budget.mode : 'HARD'),
    'HARD denies what does not fit; SOFT allows it with a warning.');
  const thresholds = field('Alert thresholds',
    input({ value: budget ? (budget.thresholds || []).join(', ') : '0.5, 0.8, 0.95, 1.0' }),
    'Fractions of the limit, comma separated; the bars change colour at these.');
  const perCall = field('Max amount per call (optional)', input({ inputmode: 'decimal',
    value: budget && budget.maxAmountPerCall ? budget.maxAmountPerCall : '' }));
  const concurrent = field('Max concurrent holds (optional)', input({ inputmode: 'numeric',
    value: budget && budget.maxConcurrentHolds ? budget.maxConcurrentHolds : '' }));

  const models = field('Allowed models (optional)', input({ value: budget && budget.allowedModels
    ? budget.allowedModels.join(', ') : '' }),
  'Model names, comma separated, e.g. gpt-4o-mini, claude-haiku-4-5; a reserve of another model is denied '
    + '(MODEL_NOT_ALLOWED) here and below. Empty allows every model.');
  const holdCap = field('Max output tokens held (optional)', input({ inputmode: 'numeric',
    value: budget && budget.maxHoldOutputTokens ? budget.maxHoldOutputTokens : '' }),
  'A reservation here or below holds at most this many output tokens when made; it can grow later (extend).');

  const runAndMinute = RUN_AND_MINUTE.map(([key, label, help, max]) => ({ key, label, max,
    field: field(`${label} (optional)`, input({ inputmode: max ? 'numeric' : 'decimal',
      value: budget && budget[key] !== undefined && budget[key] !== null ? String(budget[key]) : '' }), help) }));

  const runAndMinuteSet = h('fieldset', { class: 'caps' }, h('legend', {}, 'Run caps and minute windows'),
    runAndMinute.map((c) => c.field));

  const fields = editing ? [name, limit, mode, thresholds, perCall, concurrent, models, holdCap, runAndMinuteSet]
    : [name, limit, unit, parentChoice, period, mode, thresholds, perCall, concurrent, models, holdCap,
      runAndMinuteSet];

  return formDialog(editing ? `Edit ${budget.name}` : 'New budget', fields, editing ? 'Save' : 'Create', () => {
    const body = {
      name: name.control.value.trim(),
      limit: limit.control.value.trim(),
      mode: mode.control.value,
      thresholds: thresholdsOf(thresholds.control.value),
    };
    const maxAmount = optional(perCall.control.value);
    const maxHolds = optional(concurrent.control.value);
    const allowedModels = allowedModelsOf(models.control.value);
    const maxHoldOutputTokens = holdCapOf(holdCap.control.value);
    const tokens = (editing ? budget.unit : (optional(unit.control.value) || 'USD').toUpperCase()) === 'TOKENS';
    const caps = runAndMinute.map(({ key, label, max, field: f }) => [key, max
      ? wholeOf(f.control.value, label, max) : positiveAmountOf(f.control.value, label, tokens)]);
    if (editing) {
      // A merge patch: null removes an optional cap (and an allowed-models list: every model allowed again).
      body.maxAmountPerCall = maxAmount === undefined ? null : maxAmount;
      body.maxConcurrentHolds = maxHolds === undefined ? null : Number(maxHolds);
      body.allowedModels = allowedModels === undefined ? null : allowedModels;
      body.maxHoldOutputTokens = maxHoldOutputTokens === undefined ? null : maxHoldOutputTokens;
      for (const [key, value] of caps) body[key] = value === undefined ? null : value;
      return api(`/v1/budgets/${budget.id}`, { method: 'PATCH', body });
    }
    body.unit = optional(unit.control.value);
    body.parentId = optional(parentChoice.control.value);
    body.period = period.control.value;
    if (maxAmount !== undefined) body.maxAmountPerCall = maxAmount;
    if (maxHolds !== undefined) body.maxConcurrentHolds = Number(maxHolds);
    if (allowedModels !== undefined) body.allowedModels = allowedModels;
    if (maxHoldOutputTokens !== undefined) body.maxHoldOutputTokens = maxHoldOutputTokens;
    for (const [key, value] of caps) if (value !== undefined) body[key] = value;
    return api('/v1/budgets', { method: 'POST', body });
  });
}
