// A budget's spend drilled down: over time against its limit and alert thresholds, or split by model, API key,
// end user, metadata tag, budget, child or run (runId); the table below the chart is what the exports contain.

import { api } from '../api.js';
import { h, clear, field } from '../dom.js';
import { money, count, units, decimal, percent, num } from '../format.js';
import { table, section, exportButtons, rangePicker, rangeQuery, RANGES } from '../components.js';
import { barChart, lineChart } from '../charts.js';
import { END_USER, spendLink } from './dashboard.js';

const GROUPINGS = [['time', 'Over time'], ['model', 'By model'], ['key', 'By API key'],
  ['enduser', 'By end user'], ['metadata', 'By metadata tag'], ['budget', 'By budget'], ['child', 'By child'],
  ['run', 'By run']];

/** What the route says to what the usage API is asked. */
function request(range, grouping, metadataKey) {
  if (grouping === 'time') return { groupBy: range === '24h' ? 'hour' : 'day' };
  if (grouping === 'enduser') return { groupBy: 'metadata', metadataKey: END_USER };
  if (grouping === 'metadata') return { groupBy: 'metadata', metadataKey };
  return { groupBy: grouping };
}

export async function spendView(main, [id, range = 'period', grouping = 'time', encodedKey], { announce }) {
  const metadataKey = encodedKey ? decodeURIComponent(encodedKey) : '';
  const budget = await api(`/v1/budgets/${id}`);
  const go = (nextRange, nextGrouping, nextKey) => {
    window.location.hash = spendLink(id, nextRange, nextGrouping, nextKey);
  };
  const toggles = h('div', { class: 'toggles', role: 'group', 'aria-label': 'Group spend' },
    GROUPINGS.map(([value, label]) => {
      const button = h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(value === grouping) },
        label);
      button.addEventListener('click', () => go(range, value, value === 'metadata' ? (metadataKey || 'feature') : ''));
      return button;
    }));
  const tagInput = h('input', { type: 'text', value: metadataKey, maxlength: 100, placeholder: 'feature' });
  const tagForm = h('form', { class: 'inline-form' }, field('Metadata key', tagInput),
    h('button', { type: 'submit', class: 'secondary' }, 'Group'));
  tagForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (tagInput.value.trim()) go(range, 'metadata', tagInput.value.trim());
  });

  const head = [
    h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('a', { href: '#/dashboard' }, 'Dashboard'), ' / ',
      h('a', { href: `#/budgets/${id}` }, budget.name)),
    h('div', { class: 'title-row' }, h('h1', {}, `Spend of ${budget.name}`)),
    h('div', { class: 'title-row' }, rangePicker(range, (next) => go(next, grouping, metadataKey)), toggles),
    grouping === 'metadata' ? tagForm : null,
  ];
  if (grouping === 'metadata' && !metadataKey) {
    clear(main, head, h('p', { class: 'muted' }, 'Name the metadata key to group by.'));
    return;
  }

  const ask = request(range, grouping, metadataKey);
  const report = await api(`/v1/budgets/${id}/usage`, { query: { ...rangeQuery(range), ...ask } });
  const { unit } = report;
  const rangeLabel = (new Map(RANGES).get(range) || range).toLowerCase();
  const overTime = grouping === 'time';

  let running = 0n;
  const rows = report.groups.map((g) => {
    running += units(g.spend);
    return { key: g.key, label: g.label, spend: g.spend, cumulativeSpend: decimal(running), inputTokens: g.inputTokens,
      outputTokens: g.outputTokens, callsAllowed: g.callsAllowed, callsDenied: g.callsDenied, overruns: g.overruns,
      charges: g.charges, averageCostPerCall: g.averageCostPerCall };
  });

  // Over time: the spend accumulated since the start of the range, against the limit and its alert thresholds.
  const thresholds = (budget.thresholds || []).filter((t) => num(t) < 1).map((t) => ({ value: num(report.limit) * num(t),
    label: `${percent(num(t))} alert`, class: 'threshold' }));
  const chart = !rows.length ? h('p', { class: 'muted empty' }, 'No spend in this range.') : overTime
    ? lineChart(`Spend of ${budget.name} accumulated over ${rangeLabel}, in ${unit}, against its limit`,
      rows.map((r) => ({ label: r.label.replace(/^\d{4}-/, ''), value: r.cumulativeSpend })),
      { unit, lines: [{ value: report.limit, label: `limit ${money(report.limit, unit).textContent}`, class: 'limit' },
        ...thresholds] })
    : barChart(`Spend of ${budget.name} ${GROUPINGS.find(([g]) => g === grouping)[1].toLowerCase()}, ${rangeLabel}, `
      + `in ${unit}`, rows.slice(0, 20).map((r) => ({ label: r.label, value: r.spend })), { unit });

  const link = (row) => {
    if (grouping === 'budget' || grouping === 'child') {
      return h('a', { href: spendLink(row.key, range, 'time') }, row.label);
    }
    if (grouping === 'key' && row.key !== '(none)') return h('a', { href: `#/keys/${row.key}` }, row.label);
    return row.label;
  };
  const what = { time: overTime && ask.groupBy === 'hour' ? 'Hour' : 'Day', model: 'Model', key: 'API key',
    enduser: `End user (${END_USER})`, metadata: `${metadataKey}`, budget: 'Budget reserved on', child: 'Child',
    run: 'Run (runId)' }[grouping];
  const columns = [
    { label: what, value: link },
    { label: 'Spend', value: (r) => money(r.spend, unit), class: 'num' },
    overTime ? { label: 'Accumulated', value: (r) => money(r.cumulativeSpend, unit), class: 'num' } : null,
    { label: 'Calls allowed', value: (r) => count(r.callsAllowed), class: 'num' },
    { label: 'Calls denied', value: (r) => count(r.callsDenied), class: 'num' },
    { label: 'Input tokens', value: (r) => count(r.inputTokens), class: 'num' },
    { label: 'Output tokens', value: (r) => count(r.outputTokens), class: 'num' },
    { label: 'Avg cost per call', value: (r) => money(r.averageCostPerCall, unit), class: 'num' },
  ].filter(Boolean);

  const exportData = () => ({
    name: `spend-${budget.name.replace(/[^A-Za-z0-9_-]+/g, '_')}-${range}-${ask.groupBy}${metadataKey && grouping === 'metadata' ? `-${metadataKey.replace(/[^A-Za-z0-9_-]+/g, '_')}` : ''}`,
    meta: { view: 'spend', budgetId: id, budgetName: budget.name, unit, from: report.from, to: report.to,
      groupBy: report.groupBy, metadataKey: report.metadataKey, limit: report.limit, total: report.total },
    columns: ['key', 'label', 'spend', overTime ? 'cumulativeSpend' : null, 'inputTokens', 'outputTokens',
      'callsAllowed', 'callsDenied', 'overruns', 'charges', 'averageCostPerCall']
      .filter(Boolean).map((name) => ({ name, text: name === 'key' || name === 'label' })),
    rows,
  });

  clear(main, head,
    section('Spend', h('div', { class: 'title-row' },
      h('p', { class: 'muted' }, 'Total ', money(report.total.spend, unit), ` from ${new Date(report.from).toLocaleString()}`
        + ` to ${new Date(report.to).toLocaleString()}; `, count(report.total.callsAllowed), ' calls allowed, ',
      h('span', { dataset: { figure: 'denied' } }, count(report.total.callsDenied)),
      ' denied (on this budget and every budget below it). Limit ', money(report.limit, unit), '.'),
      exportButtons(exportData)),
    chart,
    table(`Spend ${what}`, columns, rows, 'No spend in this range.'),
    grouping === 'key' || grouping === 'enduser' || grouping === 'metadata'
      ? h('p', { class: 'muted small' }, 'Denials record no API key and no metadata: they are counted under (none).')
      : null,
    grouping === 'run' ? h('p', { class: 'muted small' }, 'Runs are the runId reserves named; reservations '
      + 'without one, direct charges and denials are counted under (none).') : null));
  announce(`Spend of ${budget.name} loaded.`);
}
