// The budget tree: every budget under its parent, with its utilisation bar.

import { all } from '../api.js';
import { h, clear } from '../dom.js';
import { usageBar, statusBadge } from '../components.js';
import { budgetForm } from './forms.js';

/** All budgets, as roots with nested children (each budget's figures already include its subtree). */
export async function loadTree() {
  const { items, complete } = await all('/v1/budgets', {}, 25);
  const byId = new Map(items.map((budget) => [budget.id, { budget, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const parent = node.budget.parentId && byId.get(node.budget.parentId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const ordered = [];
  const walk = (node) => {
    ordered.push(node.budget);
    node.children.forEach(walk);
  };
  roots.forEach(walk);
  return { roots, ordered, complete };
}

function nodeItem(node) {
  const { budget } = node;
  return h('li', { dataset: { budgetId: budget.id } },
    h('div', { class: 'node' },
      h('div', { class: 'node-head' },
        h('a', { href: `#/budgets/${budget.id}`, class: 'node-name' }, budget.name), ' ', statusBadge(budget),
        h('span', { class: 'muted small' }, ` ${budget.unit} · ${budget.period} · ${budget.mode}`
          + ` · ${budget.heldCount} held`),
        h('span', { class: 'muted small', title: 'Reserves denied on this budget or below it, this period' },
          ` · ${budget.deniedCount} denied`)),
      usageBar(budget)),
    node.children.length ? h('ul', { class: 'tree' }, node.children.map(nodeItem)) : null);
}

export async function budgetsView(main, _params, { announce, rerender }) {
  const { roots, ordered, complete } = await loadTree();
  const create = h('button', { type: 'button', class: 'write' }, 'New budget');
  create.addEventListener('click', async () => {
    const created = await budgetForm({ budgets: ordered });
    if (created) {
      announce(`Budget ${created.name} created.`);
      rerender();
    }
  });
  clear(main,
    h('div', { class: 'title-row' }, h('h1', {}, 'Budgets'), create),
    h('p', { class: 'muted' }, 'Each bar shows spent (dark) and reserved (light) against the limit, with a tick at each alert threshold; '
      + 'it turns amber once an alert threshold is crossed and red at the last one. Spent, reserved, holds and denials '
      + 'include everything below a budget.'),
    roots.length ? h('ul', { class: 'tree root', 'aria-label': 'Budget tree' }, roots.map(nodeItem))
      : h('p', { class: 'muted empty' }, 'No budgets yet. Create one to start.'),
    complete ? null : h('p', { class: 'notice' }, 'Only the first 5,000 budgets are shown; open a budget to see its whole subtree.'));
  announce(`${ordered.length} budgets loaded.`);
}
