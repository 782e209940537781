// One budget: balances, usage over time, recent reservations and denials, alerts, journal, and its actions.

import { api } from '../api.js';
import { h, clear, field } from '../dom.js';
import { amount, money, count, when, shortId } from '../format.js';
import { spendLink } from './dashboard.js';
import {
  usageBar, statusBadge, table, section, unavailable, errorNote, confirmDialog,
} from '../components.js';
import { barChart, lineChart } from '../charts.js';
import { budgetForm } from './forms.js';

/** Runs a loader into a container; a missing endpoint becomes a notice, any other failure an error note. */
async function fill(container, what, loader) {
  try {
    clear(container, await loader());
  } catch (error) {
    clear(container, error.unavailable ? unavailable(what) : errorNote(error));
  }
}

/**
 * The budget's current period, as the server counts time: the report's own defaults (period start to the server's
 * now), so a browser whose clock differs from the server's still sees what was just spent.
 */
function usage(id, groupBy) {
  return api(`/v1/budgets/${id}/usage`, { query: { groupBy } });
}

function usageChart(report, groupBy, unit) {
  const groups = report.groups || [];
  if (!groups.length) return h('p', { class: 'muted empty' }, 'No spend in this period yet.');
  const items = groups.map((g) => ({ label: g.label || g.key, value: g.spend }));
  const title = groupBy === 'day' ? 'Spend per day, this period' : 'Spend per model, this period';
  return [
    groupBy === 'day' ? lineChart(`${title}, in ${unit}`, items, { unit }) : barChart(`${title}, in ${unit}`, items, { unit }),
    table(title, [
      { label: groupBy === 'day' ? 'Day' : 'Model', value: (g) => g.label || g.key },
      { label: 'Spend', value: (g) => money(g.spend, unit), class: 'num' },
      { label: 'Calls allowed', value: (g) => count(g.callsAllowed), class: 'num' },
      { label: 'Calls denied (subtree)', value: (g) => count(g.callsDenied), class: 'num' },
      { label: 'Input tokens', value: (g) => count(g.inputTokens), class: 'num' },
      { label: 'Output tokens', value: (g) => count(g.outputTokens), class: 'num' },
      { label: 'Avg cost per call', value: (g) => money(g.averageCostPerCall, unit), class: 'num' },
    ], groups),
  ];
}

function usageSection(budget) {
  const body = h('div', { 'aria-live': 'polite' });
  const buttons = ['day', 'model'].map((groupBy) => {
    const button = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false' }, `By ${groupBy}`);
    button.addEventListener('click', () => show(groupBy));
    return [groupBy, button];
  });
  function show(groupBy) {
    for (const [key, button] of buttons) button.setAttribute('aria-pressed', String(key === groupBy));
    return fill(body, 'Usage over time', async () => usageChart(await usage(budget.id, groupBy), groupBy, budget.unit));
  }
  show('day');
  return section('Usage over time', h('div', { class: 'title-row' },
    h('div', { class: 'toggles', role: 'group', 'aria-label': 'Group usage' }, buttons.map(([, button]) => button)),
    h('a', { href: spendLink(budget.id, 'period', 'time') }, 'Drill down: limit lines, by key, end user, tag, export')),
  body);
}

/** The run a reservation was made for (its runId), as a column only when some row has one. */
export function runColumn(items) {
  return items.some((r) => r.runId) ? { label: 'Run', value: (r) => (r.runId ? h('code', {}, r.runId) : '–') } : null;
}

function reservationsTable(items, unit, names) {
  return table('Recent reservations', [
    { label: 'Created', value: (r) => when(r.createdAt) },
    { label: 'Budget', value: (r) => names.get(r.budgetId) || shortId(r.budgetId) },
    { label: 'Status', value: (r) => h('span', { class: `badge ${r.status.toLowerCase()}` }, r.status) },
    { label: 'Model', value: (r) => r.model || '–' },
    runColumn(items),
    { label: 'Held', value: (r) => money(r.amount, unit), class: 'num' },
    { label: 'Charged', value: (r) => money(r.charged, unit), class: 'num' },
    // Only a hold still held expires; a finished one shows when it was settled, released or expired.
    { label: 'Expires / finished', value: (r) => (r.status === 'HELD' ? `expires ${when(r.expiresAt)}`
      : `${r.status.toLowerCase()} ${when(r.finishedAt)}`) },
  ].filter(Boolean), items, 'No reservations yet.');
}

/** Denials from their own endpoint; on servers without it, the count and the (rate-limited) denial events. */
async function denials(budget, events, names) {
  try {
    const page = await api(`/v1/budgets/${budget.id}/denials`, { query: { limit: 20 } });
    return table('Recent denials', [
      { label: 'When', value: (d) => when(d.createdAt) },
      { label: 'Reason', value: (d) => h('strong', { class: 'reason' }, d.reason) },
      { label: 'Denied by', value: (d) => names.get(d.deniedBy) || shortId(d.deniedBy) },
      { label: 'Model', value: (d) => d.model || '–' },
      { label: 'Asked for', value: (d) => money(d.amount, budget.unit === 'TOKENS' ? '' : budget.unit), class: 'num' },
    ], page.items, 'Nothing denied.');
  } catch (error) {
    if (!error.unavailable) throw error;
    const denied = events.filter((e) => e.type === 'reservation.denied');
    return [
      h('p', { class: 'notice', dataset: { unavailable: 'true' } },
        'The list of denials is not available on this server; shown instead: the count, and the denial '
        + 'events (at most one per budget per minute).'),
      h('p', { class: 'denied-count' }, `Denied this period, on this budget and below it: ${budget.deniedCount}`),
      table('Denial events', [
        { label: 'When', value: (e) => when(e.createdAt) },
        { label: 'Reason', value: (e) => h('strong', { class: 'reason' }, e.data.reason || '–') },
        { label: 'Denied by', value: (e) => names.get(e.data.limitingBudgetId) || shortId(e.data.limitingBudgetId) },
        { label: 'Asked for', value: (e) => amount(e.data.requested, e.data.unit), class: 'num' },
        { label: 'Available', value: (e) => amount(e.data.available, e.data.unit), class: 'num' },
      ], denied, 'No denial events.'),
    ];
  }
}

/** The budget's subtree events, newest first, at most 500 a page. */
export async function recentEvents(id, maxPages = 10) {
  const events = [];
  let before;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await api('/v1/events', { query: { budgetId: id, order: 'newest', before, limit: 500 } });
    events.push(...result.items);
    if (result.items.length < 500) break;
    before = result.next;
  }
  return events;
}

export function describeEvent(event, unit) {
  const d = event.data || {};
  switch (event.type) {
    case 'budget.threshold_crossed': return `crossed ${Math.round(Number(d.threshold) * 100)}% of its limit`;
    case 'budget.exhausted': return `exhausted: available ${amount(d.available, d.unit || unit)}`;
    case 'budget.projected_exhaustion': return 'projected to run out before the period ends';
    case 'budget.frozen': return `frozen: ${d.reason || ''}`;
    case 'budget.unfrozen': return 'unfrozen';
    case 'budget.period_reset': return 'period reset';
    case 'reservation.denied': return `reservation denied: ${d.reason || ''}`;
    case 'reservation.overrun': return `overrun: charged ${amount(d.charged, unit)} on a hold of ${amount(d.amount, unit)}`;
    case 'reservation.expired': return 'hold expired';
    default: return event.type;
  }
}

function journal(budget) {
  const container = h('div', {});
  const rows = [];
  let cursor;
  const more = h('button', { type: 'button', class: 'secondary' }, 'Load more entries');
  async function load() {
    more.disabled = true;
    try {
      const page = await api(`/v1/budgets/${budget.id}/entries`, { query: { limit: 50, cursor } });
      rows.push(...page.items);
      cursor = page.nextCursor;
      clear(container, table('Journal', [
        { label: '#', value: (e) => e.id, class: 'num' },
        { label: 'When', value: (e) => when(e.createdAt) },
        { label: 'Kind', value: (e) => e.kind },
        { label: 'Amount', value: (e) => money(e.amount, budget.unit), class: 'num' },
        { label: 'Spent Δ', value: (e) => money(e.spentDelta, budget.unit), class: 'num' },
        { label: 'Reserved Δ', value: (e) => money(e.reservedDelta, budget.unit), class: 'num' },
        { label: 'Limit', value: (e) => (e.limit ? money(e.limit, budget.unit) : ''), class: 'num' },
        { label: 'Note', value: (e) => e.note || (e.reservationId ? `reservation ${shortId(e.reservationId)}` : '') },
      ], rows), cursor ? more : null);
    } catch (error) {
      clear(container, errorNote(error));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  load();
  return section('Journal (oldest first)', container);
}

// A child template's fields as a person reads them: [field, label, how its value reads]; others are shown as given.
const TEMPLATE_FIELDS = [
  ['limit', 'Limit', (v, t) => amount(v, t.unit || t.currency)],
  ['unit', 'Unit'], ['currency', 'Currency'],
  ['period', 'Period', (v, t) => (v === 'NONE' ? 'none' : `${v}${t.timezone ? ` (${t.timezone})` : ''}`)],
  ['mode', 'Mode'],
  ['thresholds', 'Alert thresholds', (v) => v.join(', ')],
  ['downgradeAt', 'Downgrade at'],
  ['maxAmountPerCall', 'Max per call', (v, t) => amount(v, t.unit || t.currency)],
  ['maxTokensPerCall', 'Max tokens per call', (v) => count(v)],
  ['maxCallsPerPeriod', 'Max calls per period', (v) => count(v)],
  ['maxConcurrentHolds', 'Max concurrent holds'],
  ['maxCallsPerRun', 'Max calls per run', (v) => count(v)],
  ['maxAmountPerRun', 'Max amount per run', (v, t) => amount(v, t.unit || t.currency)],
  ['maxRequestsPerMinute', 'Max requests per minute', (v) => count(v)],
  ['maxTokensPerMinute', 'Max tokens per minute', (v) => count(v)],
  ['maxOverrunRatio', 'Max overrun ratio'],
  ['maxOverrun', 'Max overrun', (v, t) => amount(v, t.unit || t.currency)],
  ['overrunAction', 'Beyond the overrun ceiling'],
  ['rollover', 'Rollover', (v) => (v ? 'yes' : null)],
  ['rolloverCap', 'Rollover cap', (v, t) => amount(v, t.unit || t.currency)],
  ['allowedModels', 'Allowed models', (v) => (v.length ? v.join(', ') : null)],
  ['maxHoldOutputTokens', 'Max output tokens held', (v) => count(v)],
  ['metadata', 'Metadata', (v) => (Object.keys(v).length
    ? Object.entries(v).map(([k, x]) => `${k}=${x}`).join(', ') : null)],
];

/** The template as a compact list of the fields it sets; the timezone reads with the period. */
export function templateFacts(template) {
  const known = new Map(TEMPLATE_FIELDS.map(([key, label, show]) => [key, [label, show]]));
  const rows = [];
  for (const [key, label, show] of TEMPLATE_FIELDS) {
    const value = template[key];
    if (value === undefined || value === null) continue;
    const text = show ? show(value, template) : String(value);
    if (text !== null && text !== '') rows.push([label, text]);
  }
  for (const [key, value] of Object.entries(template)) {
    if (!known.has(key) && key !== 'timezone' && value !== null && value !== undefined) {
      rows.push([key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
    }
  }
  return h('dl', { class: 'template-facts' },
    rows.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))));
}

/** A search for a subject's budget under this one: GET /v1/budgets?parentId=&subject= (exact). */
function findSubject(budget) {
  const subject = h('input', { type: 'search', maxlength: 128, placeholder: 'user-123', autocomplete: 'off' });
  const result = h('div', { role: 'status', class: 'subject-result' });
  const form = h('form', { class: 'inline-form', role: 'search', 'aria-label': 'Find a subject\'s budget' },
    field('Subject', subject), h('button', { type: 'submit', class: 'secondary' }, 'Find subject'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const wanted = subject.value;
    if (!wanted.trim()) {
      subject.focus();
      return;
    }
    try {
      const page = await api('/v1/budgets', { query: { parentId: budget.id, subject: wanted, limit: 1 } });
      const found = page.items[0];
      clear(result, found
        ? h('p', {}, 'Budget of ', h('code', {}, wanted), ': ', h('a', { href: `#/budgets/${found.id}` }, found.name),
          ' ', statusBadge(found), usageBar(found))
        : h('p', { class: 'muted' }, 'No budget for ', h('code', {}, wanted), ' yet: the first reserve on ',
          budget.name, ' with this subject makes it', budget.childTemplate ? ' from the template.' : ' (when it has a template).'));
    } catch (error) {
      clear(result, errorNote(error));
    }
  });
  return [form, result];
}

function subjectsSection(budget, subtree) {
  const made = subtree.children.filter((node) => node.budget.subject).length;
  if (!budget.childTemplate && !made) return null;
  return section('Budgets for subjects',
    h('p', { class: 'muted' }, 'A reserve on this budget that names a ', h('code', {}, 'subject'),
      ' is served on that subject\'s own budget below it, made from the child template on its first reserve.',
      made ? ` ${made} made so far.` : ''),
    budget.childTemplate ? [h('h3', {}, 'Child template'), templateFacts(budget.childTemplate)]
      : h('p', { class: 'muted' }, 'No child template: budgets made for subjects stay and are served, but no new one '
        + 'is made.'),
    findSubject(budget));
}

export async function budgetView(main, [id], { announce, rerender }) {
  // The subtree gives the names of everything the page lists; the rest of the tree is not needed here.
  const subtree = await api(`/v1/budgets/${id}/tree`);
  const { budget } = subtree;
  const parent = budget.parentId ? await api(`/v1/budgets/${budget.parentId}`) : null;
  const ordered = [];
  const walk = (node) => {
    ordered.push(node.budget);
    node.children.forEach(walk);
  };
  walk(subtree);
  const names = new Map(ordered.map((b) => [b.id, b.name]));
  if (parent) names.set(parent.id, parent.name);

  const edit = h('button', { type: 'button', class: 'secondary write' }, 'Edit');
  edit.addEventListener('click', async () => {
    const changed = await budgetForm({ budget });
    if (changed) {
      announce(`Budget ${changed.name} saved.`);
      rerender();
    }
  });
  const child = h('button', { type: 'button', class: 'secondary write' }, 'New child budget');
  child.addEventListener('click', async () => {
    const created = await budgetForm({ parent: budget, budgets: ordered });
    if (created) {
      announce(`Budget ${created.name} created.`);
      rerender();
    }
  });
  const frozen = budget.status === 'FROZEN';
  const freeze = h('button', { type: 'button', class: frozen ? 'write' : 'danger write' }, frozen ? 'Unfreeze' : 'Freeze');
  freeze.addEventListener('click', async () => {
    const answer = await confirmDialog(frozen
      ? { title: `Unfreeze ${budget.name}?`, message: 'New reservations on this budget and below it will be '
        + 'decided normally again.', confirmLabel: 'Unfreeze' }
      : { title: `Freeze ${budget.name}?`, message: 'Every new reservation on this budget and on every budget '
        + 'below it will be denied (BUDGET_FROZEN) until it is unfrozen. Holds already placed can still settle.',
      confirmLabel: 'Freeze', reasonLabel: 'Reason (recorded in the journal and the audit log)', danger: true });
    if (!answer) return;
    try {
      await api(`/v1/budgets/${id}/${frozen ? 'unfreeze' : 'freeze'}`,
        { method: 'POST', body: frozen ? undefined : { reason: answer.reason } });
      announce(`Budget ${budget.name} ${frozen ? 'unfrozen' : 'frozen'}.`);
      rerender();
    } catch (error) {
      main.prepend(errorNote(error));
    }
  });
  const { closed } = budget;
  const close = h('button', { type: 'button', class: closed ? 'write' : 'danger write' }, closed ? 'Reopen' : 'Close');
  close.addEventListener('click', async () => {
    const answer = await confirmDialog(closed
      ? { title: `Reopen ${budget.name}?`, message: 'New reservations on this budget and below it will be decided '
        + 'normally again (unless a budget above it is closed too).', confirmLabel: 'Reopen' }
      : { title: `Close ${budget.name}?`, message: 'Every new reservation on this budget and on every budget below it '
        + 'will be denied (BUDGET_CLOSED), holds cannot grow, and no budget is made under it for a new subject, until '
        + 'it is reopened. Holds already placed still settle, release or expire; its figures, journal and reports stay.',
      confirmLabel: 'Close', danger: true });
    if (!answer) return;
    try {
      await api(`/v1/budgets/${id}/${closed ? 'reopen' : 'close'}`, { method: 'POST' });
      announce(`Budget ${budget.name} ${closed ? 'reopened' : 'closed'}.`);
      rerender();
    } catch (error) {
      main.prepend(errorNote(error));
    }
  });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => rerender());

  const deniedInPeriod = h('span', { dataset: { figure: 'denied-subtree' } }, count(budget.deniedCount));
  const subjectFact = budget.subject ? h('span', {}, h('code', {}, budget.subject),
    parent ? [' under ', h('a', { href: `#/budgets/${parent.id}` }, parent.name)] : null) : null;
  const facts = [
    ['Subject', subjectFact],
    ['Closed', closed ? (budget.closedAt ? when(budget.closedAt) : 'yes') : null],
    ['Unit', budget.unit], ['Period', budget.period === 'NONE' ? 'none' : `${budget.period} (${budget.timezone})`],
    ['Period started', budget.periodStart ? when(budget.periodStart) : null],
    ['Mode', budget.mode], ['Alert thresholds', (budget.thresholds || []).join(', ')],
    ['Carried over', budget.carriedOver !== '0' ? amount(budget.carriedOver, budget.unit) : null],
    ['Holds now (subtree)', budget.heldCount], ['Calls this period (subtree)', budget.callsInPeriod],
    // deniedCount rolls up like callsInPeriod: this budget and everything below it, this period.
    ['Denied this period (subtree)', deniedInPeriod],
    ['Max per call', budget.maxAmountPerCall ? amount(budget.maxAmountPerCall, budget.unit) : null],
    ['Max concurrent holds', budget.maxConcurrentHolds],
    // The budget's own list; lists of the budgets above it apply too (a model must be allowed by every one).
    ['Allowed models', budget.allowedModels && budget.allowedModels.length ? budget.allowedModels.join(', ') : null],
    ['Max output tokens held', budget.maxHoldOutputTokens ? count(budget.maxHoldOutputTokens) : null],
    // Run caps count reserves that name a runId; minute windows are fixed UTC minutes (docs/budgets.md).
    ['Max calls per run', budget.maxCallsPerRun ? count(budget.maxCallsPerRun) : null],
    ['Max amount per run', budget.maxAmountPerRun ? amount(budget.maxAmountPerRun, budget.unit) : null],
    ['Max requests per minute', budget.maxRequestsPerMinute ? count(budget.maxRequestsPerMinute) : null],
    ['Max tokens per minute', budget.maxTokensPerMinute ? count(budget.maxTokensPerMinute) : null],
    ['Frozen', frozen ? `${when(budget.frozenAt)}: ${budget.frozenReason || ''}` : null],
  ].filter(([, value]) => value !== null && value !== undefined && value !== '');

  const reservations = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const denialBox = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const alerts = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));

  clear(main,
    h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('a', { href: '#/budgets' }, 'Budgets'),
      parent ? [' / ', h('a', { href: `#/budgets/${parent.id}` }, parent.name)] : null),
    h('div', { class: 'title-row' }, h('h1', {}, budget.name, ' ', statusBadge(budget)),
      h('div', { class: 'buttons' }, refresh, edit, child, freeze, close)),
    section('Balance', usageBar(budget),
      h('dl', { class: 'facts' }, facts.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value instanceof Node ? value : String(value)))))),
    subtree.children.length ? section('Budgets below', h('ul', { class: 'plain' },
      subtree.children.map((node) => h('li', {}, h('a', { href: `#/budgets/${node.budget.id}` }, node.budget.name),
        usageBar(node.budget))))) : null,
    subjectsSection(budget, subtree),
    usageSection(budget),
    h('div', { class: 'columns' },
      section('Recent reservations', reservations),
      section('Denials', denialBox)),
    section('Alerts', alerts),
    journal(budget));

  fill(reservations, 'The list of reservations', async () => {
    const page = await api('/v1/reservations', { query: { budgetId: id, limit: 20 } });
    return reservationsTable(page.items, budget.unit, names);
  });
  let events = [];
  try {
    events = await recentEvents(id);
    clear(alerts, table('Alerts', [
      { label: 'When', value: (e) => when(e.createdAt) },
      { label: 'Budget', value: (e) => names.get(e.budgetId) || shortId(e.budgetId) },
      { label: 'What', value: (e) => describeEvent(e, budget.unit) },
    ], events.slice(0, 50), 'No alerts yet.'));
  } catch (error) {
    clear(alerts, errorNote(error));
  }
  await fill(denialBox, 'The list of denials', () => denials(budget, events, names));
  announce(`Budget ${budget.name} loaded.`);
}
