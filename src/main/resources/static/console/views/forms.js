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

  const fields = editing ? [name, limit, mode, thresholds, perCall, concurrent, models, holdCap]
    : [name, limit, unit, parentChoice, period, mode, thresholds, perCall, concurrent, models, holdCap];

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
    if (editing) {
      // A merge patch: null removes an optional cap (and an allowed-models list: every model allowed again).
      body.maxAmountPerCall = maxAmount === undefined ? null : maxAmount;
      body.maxConcurrentHolds = maxHolds === undefined ? null : Number(maxHolds);
      body.allowedModels = allowedModels === undefined ? null : allowedModels;
      body.maxHoldOutputTokens = maxHoldOutputTokens === undefined ? null : maxHoldOutputTokens;
      return api(`/v1/budgets/${budget.id}`, { method: 'PATCH', body });
    }
    body.unit = optional(unit.control.value);
    body.parentId = optional(parentChoice.control.value);
    body.period = period.control.value;
    if (maxAmount !== undefined) body.maxAmountPerCall = maxAmount;
    if (maxHolds !== undefined) body.maxConcurrentHolds = Number(maxHolds);
    if (allowedModels !== undefined) body.allowedModels = allowedModels;
    if (maxHoldOutputTokens !== undefined) body.maxHoldOutputTokens = maxHoldOutputTokens;
    return api('/v1/budgets', { method: 'POST', body });
  });
}
