// API keys: who may call the service. A new key's secret is shown once, in a dialog, and never again.

import { api, all } from '../api.js';
import { h, clear, field } from '../dom.js';
import { when, shortId } from '../format.js';
import { table, formDialog, secretDialog, confirmDialog, errorNote } from '../components.js';
import { loadTree } from './budgets.js';

function keyForm(budgets) {
  const name = field('Name', h('input', { type: 'text', required: true, maxlength: 200 }), 'Who or what uses the key.');
  const role = field('Role', h('select', {}, h('option', { value: 'CLIENT' }, 'CLIENT: reserve, settle and read'),
    h('option', { value: 'ADMIN' }, 'ADMIN: everything')));
  const budget = field('Bound to budget', h('select', {}, h('option', { value: '' }, '(none)'),
    budgets.map((b) => h('option', { value: b.id }, `${'— '.repeat(b.depth)}${b.name}`))),
  'CLIENT keys only: the key then sees only this budget and those below it.');
  const expires = field('Expires (optional)', h('input', { type: 'datetime-local' }));
  return formDialog('New API key', [name, role, budget, expires], 'Create key', () => {
    const body = { name: name.control.value.trim(), role: role.control.value };
    if (budget.control.value) body.budgetId = budget.control.value;
    if (expires.control.value) body.expiresAt = new Date(expires.control.value).toISOString();
    return api('/v1/api-keys', { method: 'POST', body });
  });
}

export async function keysView(main, [only], { announce, rerender }) {
  const [{ items }, tree] = await Promise.all([all('/v1/api-keys'), loadTree()]);
  const names = new Map(tree.ordered.map((b) => [b.id, b.name]));
  const create = h('button', { type: 'button', class: 'write' }, 'New API key');
  create.addEventListener('click', async () => {
    const created = await keyForm(tree.ordered);
    if (!created) return;
    await secretDialog(`Key ${created.name} created`, created.secret,
      'Copy the key now: this is the only time it is shown. The service keeps only a hash of it.');
    announce(`API key ${created.name} created.`);
    rerender();
  });
  function revokeButton(key) {
    if (key.status !== 'ACTIVE') return '';
    const button = h('button', { type: 'button', class: 'danger small write', 'aria-label': `Revoke ${key.name}` }, 'Revoke');
    button.addEventListener('click', async () => {
      const answer = await confirmDialog({ title: `Revoke ${key.name}?`, message: 'The key stops working at once, '
        + 'on every instance. This cannot be undone.', confirmLabel: 'Revoke', danger: true });
      if (!answer) return;
      try {
        await api(`/v1/api-keys/${key.id}`, { method: 'DELETE' });
        announce(`API key ${key.name} revoked.`);
        rerender();
      } catch (error) {
        main.prepend(errorNote(error));
      }
    });
    return button;
  }
  const listed = h('div', {});
  const search = h('input', { type: 'search', autocomplete: 'off', placeholder: 'name, or bl_live_… prefix' });
  function show() {
    const term = search.value.trim().toLowerCase();
    const rows = items.slice().reverse().filter((k) => (only ? k.id === only : true)
      && (!term || k.name.toLowerCase().includes(term) || k.prefix.toLowerCase().includes(term)));
    clear(listed, table('API keys', [
      { label: 'Name', value: (k) => k.name },
      { label: 'Role', value: (k) => k.role },
      { label: 'Budget', value: (k) => (k.budgetId ? h('a', { href: `#/budgets/${k.budgetId}` },
        names.get(k.budgetId) || shortId(k.budgetId)) : 'all') },
      { label: 'Prefix', value: (k) => h('code', {}, k.prefix) },
      { label: 'Status', value: (k) => h('span', { class: `badge ${k.status.toLowerCase()}` }, k.status) },
      { label: 'Created', value: (k) => when(k.createdAt) },
      { label: 'Expires', value: (k) => (k.expiresAt ? when(k.expiresAt) : 'never') },
      { label: 'Actions', value: revokeButton },
    ], rows, term ? 'No key matches.' : 'No keys.'));
  }
  search.addEventListener('input', show);
  show();
  clear(main,
    h('div', { class: 'title-row' }, h('h1', {}, 'API keys'), create),
    h('p', { class: 'muted' }, 'Secrets are never shown after creation; the prefix identifies a key.'),
    only ? h('p', {}, 'One key is shown. ', h('a', { href: '#/keys' }, 'Show all keys')) : null,
    h('div', { class: 'panel' }, h('div', { class: 'search' }, field('Find a key by name or prefix', search)), listed));
  announce(`${items.length} API keys loaded.`);
}
