// Active holds, refreshed every few seconds: which budgets hold money right now, and the holds themselves.

import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { money, when, shortId } from '../format.js';
import { table, section, unavailable, errorNote } from '../components.js';
import { loadTree } from './budgets.js';
import { runColumn } from './budget.js';

const REFRESH_MS = 5000;

/** The newest HELD reservations on every budget, in one request (the list is newest first). */
async function heldReservations() {
  const page = await api('/v1/reservations', { query: { status: 'HELD', limit: 200 } });
  return page.items;
}

export async function holdsView(main, _params, { announce }) {
  const updated = h('span', { class: 'muted' });
  const pause = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false' }, 'Pause updates');
  const budgetsBox = h('div', {});
  const holdsBox = h('div', {});
  let timer = null;
  let paused = false;
  let stopped = false;
  let previous = null;

  async function refresh() {
    try {
      const tree = await loadTree();
      const names = new Map(tree.ordered.map((b) => [b.id, b.name]));
      const units = new Map(tree.ordered.map((b) => [b.id, b.unit]));
      const holding = tree.ordered.filter((b) => b.heldCount > 0);
      clear(budgetsBox, table('Budgets with holds', [
        { label: 'Budget', value: (b) => h('a', { href: `#/budgets/${b.id}` }, `${'— '.repeat(b.depth)}${b.name}`) },
        { label: 'Holds', value: (b) => b.heldCount, class: 'num' },
        { label: 'Reserved', value: (b) => money(b.reserved, b.unit), class: 'num' },
        { label: 'Available', value: (b) => money(b.available, b.unit), class: 'num' },
      ], holding, 'No budget holds anything right now.'));
      let count = holding.reduce((sum, b) => sum + (b.depth === 0 ? b.heldCount : 0), 0);
      try {
        const holds = await heldReservations();
        count = holds.length;
        clear(holdsBox, table('Active holds', [
          { label: 'Since', value: (r) => when(r.createdAt) },
          { label: 'Budget', value: (r) => names.get(r.budgetId) || shortId(r.budgetId) },
          { label: 'Model', value: (r) => r.model || '–' },
          runColumn(holds),
          { label: 'Held', value: (r) => money(r.amount, units.get(r.budgetId) || r.currency), class: 'num' },
          { label: 'Expires', value: (r) => when(r.expiresAt) },
          { label: 'Id', value: (r) => shortId(r.id) },
        ].filter(Boolean), holds, 'No active holds.'));
      } catch (error) {
        clear(holdsBox, error.unavailable ? unavailable('The list of individual holds') : errorNote(error));
      }
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      if (count !== previous) announce(`${count} active ${count === 1 ? 'hold' : 'holds'}.`);
      previous = count;
    } catch (error) {
      clear(holdsBox, errorNote(error));
    }
    if (!paused && !stopped) timer = setTimeout(refresh, REFRESH_MS);
  }

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume updates' : 'Pause updates';
    clearTimeout(timer);
    if (!paused) refresh();
    announce(paused ? 'Updates paused.' : 'Updates resumed.');
  });

  clear(main,
    h('div', { class: 'title-row' }, h('h1', {}, 'Live holds'), h('div', { class: 'buttons' }, updated, ' ', pause)),
    h('p', { class: 'muted' }, `Refreshes every ${REFRESH_MS / 1000} seconds. A budget's holds include those `
      + 'placed on budgets below it. The 200 newest holds are listed one by one.'),
    section('Budgets holding money', budgetsBox),
    section('Active holds', holdsBox));
  await refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
