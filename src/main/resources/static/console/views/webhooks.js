// Webhooks: where the service posts its events. Secrets (for the signatures) are shown once.

import { api } from '../api.js';
import { h, clear, field, uid } from '../dom.js';
import { when, shortId } from '../format.js';
import {
  table, section, formDialog, secretDialog, confirmDialog, errorNote, unavailable,
} from '../components.js';
import { loadTree } from './budgets.js';

const EVENT_TYPES = ['budget.threshold_crossed', 'budget.exhausted', 'budget.frozen', 'budget.unfrozen',
  'budget.period_reset', 'reservation.denied', 'reservation.overrun', 'reservation.expired'];

function webhookForm(budgets, webhook) {
  const url = field('URL', h('input', { type: 'url', required: true, value: webhook ? webhook.url : '',
    placeholder: 'https://example.com/hooks/budget-ledger' }));
  const chosen = new Set(webhook ? webhook.events || [] : ['budget.threshold_crossed', 'budget.exhausted',
    'budget.frozen', 'reservation.denied']);
  const boxes = EVENT_TYPES.map((type) => {
    const id = uid('event');
    return [h('input', { type: 'checkbox', id, value: type, checked: chosen.has(type) }), h('label', { for: id }, type)];
  });
  const events = h('fieldset', { class: 'checks' }, h('legend', {}, 'Events'),
    boxes.map(([box, label]) => h('div', { class: 'check' }, box, label)));
  const budget = field('Only events of budget (optional)', h('select', { disabled: Boolean(webhook) },
    h('option', { value: '' }, '(all budgets)'),
    budgets.map((b) => h('option', { value: b.id, selected: webhook && webhook.budgetId === b.id },
      `${'— '.repeat(b.depth)}${b.name}`))), webhook ? 'Fixed at creation.' : 'Events of this budget and below it.');
  const format = field('Format', h('select', {},
    ['standard', 'slack'].map((f) => h('option', { value: f, selected: webhook && webhook.format === f }, f))));
  const description = field('Description (optional)', h('input', { type: 'text', maxlength: 500,
    value: webhook && webhook.description ? webhook.description : '' }));
  return formDialog(webhook ? 'Edit webhook' : 'New webhook', [url, events, budget, format, description],
    webhook ? 'Save' : 'Create webhook', () => {
      const body = {
        url: url.control.value.trim(),
        events: boxes.map(([box]) => box).filter((box) => box.checked).map((box) => box.value),
        format: format.control.value,
      };
      const text = description.control.value.trim();
      if (webhook) {
        body.description = text || null;
        return api(`/v1/webhooks/${webhook.id}`, { method: 'PATCH', body });
      }
      if (text) body.description = text;
      if (budget.control.value) body.budgetId = budget.control.value;
      return api('/v1/webhooks', { method: 'POST', body });
    });
}

async function deliveries(webhook, container, announce) {
  try {
    const page = await api(`/v1/webhooks/${webhook.id}/deliveries`, { query: { limit: 50 } });
    clear(container, table(`Deliveries of ${webhook.url}`, [
      { label: 'Created', value: (d) => when(d.createdAt) },
      { label: 'Event', value: (d) => d.eventType },
      { label: 'Status', value: (d) => h('span', { class: `badge ${String(d.status).toLowerCase()}` }, d.status) },
      { label: 'Attempts', value: (d) => d.attempts, class: 'num' },
      { label: 'Last answer', value: (d) => [d.lastStatusCode, d.lastError].filter(Boolean).join(' ') || '–' },
      { label: 'Next attempt', value: (d) => when(d.nextAttemptAt) },
      { label: 'Delivered', value: (d) => when(d.deliveredAt) },
      { label: 'Actions', value: (d) => {
        if (d.deliveredAt) return '';
        const retry = h('button', { type: 'button', class: 'secondary small' }, 'Retry');
        retry.addEventListener('click', async () => {
          try {
            await api(`/v1/webhooks/${webhook.id}/deliveries/${d.id}/retry`, { method: 'POST' });
            announce('Delivery queued again.');
            deliveries(webhook, container, announce);
          } catch (error) {
            container.prepend(errorNote(error));
          }
        });
        return retry;
      } },
    ], page.items, 'No deliveries yet.'));
  } catch (error) {
    clear(container, errorNote(error));
  }
}

export async function webhooksView(main, _params, { announce, rerender }) {
  let page;
  try {
    page = await api('/v1/webhooks', { query: { limit: 200 } });
  } catch (error) {
    if (!error.unavailable) throw error;
    clear(main, h('h1', {}, 'Webhooks'), unavailable('Webhooks'));
    return;
  }
  const tree = await loadTree();
  const names = new Map(tree.ordered.map((b) => [b.id, b.name]));
  const create = h('button', { type: 'button' }, 'New webhook');
  create.addEventListener('click', async () => {
    const created = await webhookForm(tree.ordered);
    if (!created) return;
    await secretDialog('Webhook created', created.secret,
      'The signing secret is shown only now. Use it to check the signature of each delivery.');
    announce('Webhook created.');
    rerender();
  });
  const detail = h('div', { 'aria-live': 'polite' });

  function actions(webhook) {
    const edit = h('button', { type: 'button', class: 'secondary small' }, 'Edit');
    edit.addEventListener('click', async () => {
      if (await webhookForm(tree.ordered, webhook)) {
        announce('Webhook saved.');
        rerender();
      }
    });
    const rotate = h('button', { type: 'button', class: 'secondary small' }, 'Rotate secret');
    rotate.addEventListener('click', async () => {
      const answer = await confirmDialog({ title: 'Rotate the signing secret?', message: 'A new secret is made; '
        + 'the old one keeps working for a while so receivers can switch.', confirmLabel: 'Rotate' });
      if (!answer) return;
      try {
        const rotated = await api(`/v1/webhooks/${webhook.id}/rotate-secret`, { method: 'POST' });
        await secretDialog('New signing secret', rotated.secret, 'Shown only now. The previous secret stops '
          + `working at ${when(rotated.previousSecretExpiresAt)}.`);
      } catch (error) {
        main.prepend(errorNote(error));
      }
    });
    const show = h('button', { type: 'button', class: 'secondary small' }, 'Deliveries');
    show.addEventListener('click', () => {
      const box = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
      clear(detail, section(`Deliveries to ${webhook.url}`, box));
      deliveries(webhook, box, announce);
    });
    const remove = h('button', { type: 'button', class: 'danger small' }, 'Delete');
    remove.addEventListener('click', async () => {
      const answer = await confirmDialog({ title: 'Delete this webhook?', message: `No more events go to ${webhook.url}.`,
        confirmLabel: 'Delete', danger: true });
      if (!answer) return;
      try {
        await api(`/v1/webhooks/${webhook.id}`, { method: 'DELETE' });
        announce('Webhook deleted.');
        rerender();
      } catch (error) {
        main.prepend(errorNote(error));
      }
    });
    return h('div', { class: 'buttons' }, edit, rotate, show, remove);
  }

  clear(main,
    h('div', { class: 'title-row' }, h('h1', {}, 'Webhooks'), create),
    h('div', { class: 'panel' }, table('Webhooks', [
      { label: 'URL', value: (w) => h('code', {}, w.url) },
      { label: 'Events', value: (w) => (w.events || []).join(', ') },
      { label: 'Budget', value: (w) => (w.budgetId ? names.get(w.budgetId) || shortId(w.budgetId) : 'all') },
      { label: 'Format', value: (w) => w.format || 'standard' },
      { label: 'Description', value: (w) => w.description || '' },
      { label: 'Actions', value: actions },
    ], page.items, 'No webhooks yet.')),
    detail);
  announce(`${page.items.length} webhooks loaded.`);
}
