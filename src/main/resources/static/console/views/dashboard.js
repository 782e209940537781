// The landing page: spend and burn rate over a chosen range against the limits, projected exhaustion, the top
// budgets, models, API keys and end users, recent denials and live holds; every figure links to its detail.

import { all, api } from '../api.js';
import { h, clear, field } from '../dom.js';
import { amount, money, count, units, decimal, sum, percent, num, when, shortId } from '../format.js';
import { table, section, exportButtons, rangePicker, rangeQuery, RANGES } from '../components.js';
import { loadTree } from './budgets.js';
import { recentEvents, describeEvent } from './budget.js';

/**
 * At most this many budget trees are summed on the dashboard (each costs a handful of requests): the newest ones, as
 * ids are time-ordered (UUIDv7), so a tree just opened is always among them.
 */
const MAX_ROOTS = 25;
/** Trees loaded at once: the per-key rate limit (burst 200 by default) must not answer 429 to the dashboard. */
const AT_ONCE = 4;

/** fn over items, at most `size` at a time, answers in order. */
async function inBatches(items, size, fn) {
  const results = [];
  for (let i = 0; i < items.length; i += size) {
    results.push(...await Promise.all(items.slice(i, i + size).map(fn)));
  }
  return results;
}
const TOP = 5;
/** The metadata key the gateway records the end user under (X-Budget-End-User, OpenAI's user). */
export const END_USER = 'endUser';

const DAY_MS = 24 * 3600 * 1000;

/** The events that call for attention; denials have their own list. */
const ALERTS = new Set(['budget.threshold_crossed', 'budget.exhausted', 'budget.projected_exhaustion',
  'budget.frozen', 'budget.unfrozen', 'reservation.overrun']);

export function spendLink(budgetId, range, groupBy, metadataKey) {
  return `#/budgets/${budgetId}/spend/${range}/${groupBy}${metadataKey ? `/${encodeURIComponent(metadataKey)}` : ''}`;
}

function report(root, range, groupBy, metadataKey) {
  return api(`/v1/budgets/${root.id}/usage`, { query: { ...rangeQuery(range), groupBy, metadataKey } });
}

/** The shortest window a burn rate is taken over: seconds of spend say nothing about a day. */
const MIN_WINDOW_MS = 3600 * 1000;

/** Spend per day over a report's own range (at least an hour), exactly to 18 decimals (truncated). */
function perDay(spend, from, to) {
  const ms = BigInt(Math.max(MIN_WINDOW_MS, new Date(to).getTime() - new Date(from).getTime()));
  return decimal((units(spend) * BigInt(DAY_MS)) / ms);
}

/** Projections further away than this are not dated. */
const HORIZON_MS = BigInt(100 * 365) * BigInt(DAY_MS);

/** When `available` runs out at `burnPerDay`, or why it does not. */
function exhaustion(budget, burnPerDay) {
  const available = units(budget.available);
  const burn = units(burnPerDay);
  if (available <= 0n) return { text: 'exhausted now', level: 'critical' };
  if (burn <= 0n) return { text: 'no spend in range', level: 'ok' };
  const left = (available * BigInt(DAY_MS)) / burn;
  const end = budget.periodEnd ? new Date(budget.periodEnd) : null;
  // A huge limit at a tiny burn lies beyond what a Date can hold (and beyond any plan): said so, not computed.
  if (left > HORIZON_MS) {
    return end ? { text: `not this period (resets ${when(budget.periodEnd)})`, level: 'ok' }
      : { text: 'not within 100 years', level: 'ok' };
  }
  const at = new Date(Date.now() + Number(left));
  if (end && at >= end) return { text: `not this period (resets ${when(budget.periodEnd)})`, level: 'ok', at };
  return { text: when(at.toISOString()), level: 'warning', at };
}

/** Groups of the same key (and unit) from several trees' reports, summed exactly, biggest spend first. */
function merged(reports, link) {
  const byKey = new Map();
  for (const { root, data } of reports) {
    for (const group of data.groups) {
      const id = `${data.unit}\u0000${group.key}`;
      const entry = byKey.get(id) || { key: group.key, label: group.label, unit: data.unit, spends: [], allowed: 0,
        denied: 0, root, best: null };
      entry.spends.push(group.spend);
      entry.allowed += group.callsAllowed;
      entry.denied += group.callsDenied;
      if (!entry.best || units(group.spend) > units(entry.best)) {
        entry.best = group.spend;
        entry.root = root;
      }
      byKey.set(id, entry);
    }
  }
  return [...byKey.values()]
    .map((entry) => ({ ...entry, spend: sum(entry.spends), href: link(entry) }))
    .filter((entry) => units(entry.spend) > 0n || entry.allowed > 0)
    .sort((a, b) => (units(b.spend) > units(a.spend) ? 1 : units(b.spend) < units(a.spend) ? -1 : 0));
}

function topTable(caption, what, entries) {
  return table(caption, [
    { label: what, value: (e) => (e.href ? h('a', { href: e.href }, e.label) : e.label) },
    { label: 'Spend', value: (e) => money(e.spend, e.unit), class: 'num' },
    { label: 'Calls', value: (e) => count(e.allowed), class: 'num' },
  ], entries.slice(0, TOP), 'No spend in this range.');
}

function figure(label, value, note, href) {
  return h('div', { class: 'figure' }, h('dt', {}, label),
    h('dd', {}, href ? h('a', { href }, value) : value), note ? h('dd', { class: 'muted small' }, note) : null);
}

export async function dashboardView(main, [range = '7d'], { announce }) {
  const rangeLabel = new Map(RANGES).get(range) || range;
  const [tree, top] = await Promise.all([loadTree(), all('/v1/budgets', { roots: true }, 100)]);
  const allRoots = top.items;
  const roots = [...allRoots].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, MAX_ROOTS);
  const grouping = range === '24h' ? 'hour' : 'day';
  const [reports, denials, holds, keys, alerts] = await Promise.all([
    inBatches(roots, AT_ONCE, async (root) => {
      const [time, budgets, models, apiKeys, users] = await Promise.all([report(root, range, grouping),
        report(root, range, 'budget'), report(root, range, 'model'), report(root, range, 'key'),
        report(root, range, 'metadata', END_USER)]);
      return { root, time, budgets, models, apiKeys, users };
    }),
    inBatches(roots, AT_ONCE, (root) => api(`/v1/budgets/${root.id}/denials`, { query: { limit: 10 } })
      .then((page) => page.items.map((d) => ({ ...d, root }))).catch(() => [])).then((lists) => lists.flat()),
    api('/v1/reservations', { query: { status: 'HELD', limit: 200 } }).then((page) => page.items).catch(() => null),
    api('/v1/api-keys', { query: { limit: 200 } }).then((page) => page.items).catch(() => []),
    inBatches(roots, AT_ONCE, (root) => recentEvents(root.id, 4)
      .then((events) => events.filter((e) => ALERTS.has(e.type)).slice(0, 10).map((e) => ({ ...e, root })))
      .catch(() => [])).then((lists) => lists.flat().sort((a, b) => b.position - a.position).slice(0, 8)),
  ]);
  const names = new Map(tree.ordered.map((b) => [b.id, b]));

  // One card per unit: money in different currencies (and tokens) is never added up.
  const unitsSeen = [...new Set(reports.map((r) => r.root.unit))];
  const cards = unitsSeen.map((unit) => {
    const mine = reports.filter((r) => r.root.unit === unit);
    const spend = sum(mine.map((r) => r.time.total.spend));
    const burn = sum(mine.map((r) => perDay(r.time.total.spend, r.time.from, r.time.to)));
    const limit = sum(mine.map((r) => r.time.limit));
    const spent = sum(mine.map((r) => r.time.spent));
    const reserved = sum(mine.map((r) => r.time.reserved));
    const used = num(limit) > 0 ? (num(spent) + num(reserved)) / num(limit) : 0;
    const denied = mine.reduce((total, r) => total + r.time.total.callsDenied, 0);
    const held = mine.reduce((total, r) => total + r.root.heldCount, 0);
    const only = mine.length === 1 ? mine[0].root : null;
    return h('section', { class: 'panel card', 'aria-label': `Spend in ${unit}`, dataset: { unit } },
      h('h2', {}, unit === 'TOKENS' ? 'Token budgets' : `Spend in ${unit}`),
      h('dl', { class: 'figures' },
        figure(`Spend, ${rangeLabel.toLowerCase()}`, h('span', { dataset: { figure: 'spend' } }, money(spend, unit)),
          `${mine.length} budget ${mine.length === 1 ? 'tree' : 'trees'}`,
          only ? spendLink(only.id, range, grouping) : null),
        figure('Burn rate', h('span', { dataset: { figure: 'burn' } }, money(burn, unit), ' per day'),
          'spend in the range ÷ its length (at least an hour)'),
        figure('Spent this period', h('span', { dataset: { figure: 'spent' } }, money(spent, unit)),
          h('span', {}, 'of ', money(limit, unit), ` limit · ${percent(used)} used with holds`)),
        figure('Denied reserves', h('span', { dataset: { figure: 'denied' } }, count(denied)),
          `${rangeLabel.toLowerCase()}, on every budget of the ${mine.length === 1 ? 'tree' : 'trees'}`),
        figure('Live holds', h('span', { dataset: { figure: 'held' } }, count(held)),
          h('span', {}, 'reserving ', money(reserved, unit)), '#/holds')));
  });

  const limits = table('Budget trees against their limits', [
    { label: 'Budget tree', value: (r) => h('a', { href: `#/budgets/${r.root.id}` }, r.root.name) },
    { label: 'Spend in range', value: (r) => h('a', { href: spendLink(r.root.id, range, grouping) },
      money(r.time.total.spend, r.root.unit)), class: 'num' },
    { label: 'Burn per day', value: (r) => money(perDay(r.time.total.spend, r.time.from, r.time.to), r.root.unit),
      class: 'num' },
    { label: 'Spent this period', value: (r) => money(r.root.spent, r.root.unit), class: 'num' },
    { label: 'Limit', value: (r) => money(r.time.limit, r.root.unit), class: 'num' },
    { label: 'Available', value: (r) => money(r.root.available, r.root.unit), class: 'num' },
    { label: 'Runs out', value: (r) => {
      const e = exhaustion(r.root, perDay(r.time.total.spend, r.time.from, r.time.to));
      return h('span', { class: `level-text level-${e.level}` }, e.text);
    } },
  ], reports, 'No budgets yet.');

  const link = (groupBy, metadataKey) => (entry) => spendLink(entry.root.id, range, groupBy, metadataKey);
  const topBudgets = merged(reports.map((r) => ({ root: r.root, data: r.budgets })),
    (entry) => `#/budgets/${entry.key}`);
  const topModels = merged(reports.map((r) => ({ root: r.root, data: r.models })), link('model'));
  const topKeys = merged(reports.map((r) => ({ root: r.root, data: r.apiKeys })), link('key'));
  const topUsers = merged(reports.map((r) => ({ root: r.root, data: r.users })), link('metadata', END_USER));

  const recentDenials = denials.sort((a, b) => b.id - a.id).slice(0, 10);
  const keyNames = new Map((keys || []).map((k) => [k.id, k.name]));
  const denialTable = table('Recent denials', [
    { label: 'When', value: (d) => when(d.createdAt) },
    { label: 'Budget', value: (d) => h('a', { href: `#/budgets/${d.budgetId}` },
      names.get(d.budgetId)?.name || shortId(d.budgetId)) },
    { label: 'Reason', value: (d) => h('strong', { class: 'reason' }, d.reason) },
    { label: 'Model', value: (d) => d.model || '–' },
    { label: 'Key', value: (d) => (d.apiKeyId ? keyNames.get(d.apiKeyId) || shortId(d.apiKeyId) : '–') },
    { label: 'End user', value: (d) => (d.metadata && d.metadata[END_USER] != null ? String(d.metadata[END_USER]) : '–') },
    { label: 'Asked for', value: (d) => money(d.amount, d.root.unit === 'TOKENS' ? '' : d.root.unit), class: 'num' },
  ], recentDenials, 'Nothing denied lately.');

  const alertTable = table('Recent alerts', [
    { label: 'When', value: (e) => when(e.createdAt) },
    { label: 'Budget', value: (e) => h('a', { href: `#/budgets/${e.budgetId}` },
      names.get(e.budgetId)?.name || shortId(e.budgetId)) },
    { label: 'What', value: (e) => describeEvent(e, names.get(e.budgetId)?.unit || e.root.unit) },
  ], alerts, 'No alerts lately.');

  const holdTable = holds === null ? h('p', { class: 'muted' }, 'The list of holds is not available.')
    : table('Live holds', [
      { label: 'Since', value: (r) => when(r.createdAt) },
      { label: 'Budget', value: (r) => h('a', { href: `#/budgets/${r.budgetId}` },
        names.get(r.budgetId)?.name || shortId(r.budgetId)) },
      { label: 'Model', value: (r) => r.model || '–' },
      { label: 'Held', value: (r) => money(r.amount, r.currency), class: 'num' },
      { label: 'Expires', value: (r) => when(r.expiresAt) },
    ], holds.slice(0, 5), 'No active holds.');

  const search = searchBox(tree.ordered, keys);

  const exportData = () => {
    const rows = [];
    for (const r of reports) {
      rows.push({ section: 'tree', rank: '', key: r.root.id, label: r.root.name, unit: r.root.unit,
        spend: r.time.total.spend, callsAllowed: r.time.total.callsAllowed, callsDenied: r.time.total.callsDenied,
        limit: r.time.limit, spentThisPeriod: r.time.spent, reserved: r.time.reserved, from: r.time.from,
        to: r.time.to });
    }
    for (const [name, entries] of [['budget', topBudgets], ['model', topModels], ['key', topKeys],
      ['endUser', topUsers]]) {
      entries.slice(0, TOP).forEach((e, index) => rows.push({ section: name, rank: index + 1, key: e.key,
        label: e.label, unit: e.unit, spend: e.spend, callsAllowed: e.allowed, callsDenied: e.denied }));
    }
    return {
      name: `dashboard-${range}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`,
      meta: { view: 'dashboard', range, endUserKey: END_USER },
      columns: ['section', 'rank', 'key', 'label', 'unit', 'spend', 'callsAllowed', 'callsDenied', 'limit',
        'spentThisPeriod', 'reserved', 'from', 'to'].map((name) => ({ name, text: name === 'label' || name === 'key' })),
      rows,
    };
  };

  clear(main,
    h('div', { class: 'title-row' }, h('h1', {}, 'Spend at a glance'), exportButtons(exportData)),
    h('div', { class: 'title-row' }, rangePicker(range, (next) => { window.location.hash = `#/dashboard/${next}`; }),
      search.box),
    search.results,
    roots.length ? null : h('p', { class: 'muted empty' }, 'No budgets yet. Create one under Budgets.'),
    allRoots.length > MAX_ROOTS ? h('p', { class: 'notice' },
      `Only the ${MAX_ROOTS} newest of ${allRoots.length} budget trees are summed here.`) : null,
    h('div', { class: 'cards' }, cards),
    section('Budget trees against their limits', limits, h('p', { class: 'muted small' },
      'Runs out: when what is available would be spent at the burn rate of the range.')),
    h('div', { class: 'grid-2' },
      section('Top budgets', topTable('Top budgets by spend', 'Budget (calls reserved on it)', topBudgets)),
      section('Top models', topTable('Top models by spend', 'Model', topModels)),
      section('Top API keys', topTable('Top API keys by spend', 'API key', topKeys)),
      section('Top end users', topTable('Top end users by spend', `End user (metadata ${END_USER})`, topUsers))),
    h('div', { class: 'grid-2' }, section('Recent denials', denialTable), section('Recent alerts', alertTable)),
    h('div', { class: 'grid-2' }, section('Live holds', holdTable,
      h('p', {}, h('a', { href: '#/holds' }, 'All live holds')))));
  announce(`Dashboard loaded: ${rangeLabel.toLowerCase()}.`);
}

/** Finds budgets by name and API keys by name or prefix among what is loaded. */
function searchBox(budgets, keys) {
  const input = h('input', { type: 'search', autocomplete: 'off', placeholder: 'name, or bl_live_… prefix' });
  const results = h('div', { class: 'search-results', 'aria-live': 'polite' });
  input.addEventListener('input', () => {
    const term = input.value.trim().toLowerCase();
    if (!term) {
      results.replaceChildren();
      return;
    }
    const foundBudgets = budgets.filter((b) => b.name.toLowerCase().includes(term)).slice(0, 10);
    const foundKeys = keys.filter((k) => k.name.toLowerCase().includes(term)
      || k.prefix.toLowerCase().includes(term)).slice(0, 10);
    results.replaceChildren(h('div', { class: 'panel' }, h('h2', {}, 'Found'),
      h('ul', { class: 'plain', 'aria-label': 'Search results' },
        foundBudgets.map((b) => h('li', {}, 'Budget ', h('a', { href: `#/budgets/${b.id}` }, b.name), ' ',
          h('span', { class: 'muted small' }, `${amount(b.spent, b.unit)} spent of ${amount(b.limit, b.unit)}`))),
        foundKeys.map((k) => h('li', {}, 'API key ', h('a', { href: `#/keys/${k.id}` }, k.name), ' ',
          h('code', {}, k.prefix), ' ', h('span', { class: 'muted small' }, `${k.role} · ${k.status}`))),
        foundBudgets.length + foundKeys.length ? null : h('li', { class: 'muted' }, 'Nothing matches.'))));
  });
  return { box: h('div', { class: 'search' }, field('Find a budget or API key', input)), results };
}
