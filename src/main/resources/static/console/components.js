// Pieces the views share: utilisation bars, tables, dialogs, notices.

import { h, s, field, uid } from './dom.js';
import { amount, percent, utilisation } from './format.js';

/** Spent and reserved against the limit, coloured by the budget's own alert thresholds. */
export function usageBar(budget) {
  const u = utilisation(budget);
  const scaleTo = Math.max(u.limit, u.spent + u.reserved, Number.MIN_VALUE);
  const spentWidth = (100 * u.spent) / scaleTo;
  const reservedWidth = (100 * u.reserved) / scaleTo;
  const text = `${percent(u.used)} used: spent ${amount(budget.spent, budget.unit)}, reserved `
    + `${amount(budget.reserved, budget.unit)}, available ${amount(budget.available, budget.unit)} `
    + `of ${amount(budget.limit, budget.unit)}`
    + (u.crossed !== null ? `; alert threshold ${percent(u.crossed)} crossed` : '');
  return h('div', { class: `usage level-${u.level}`, dataset: { level: u.level } },
    h('div', {
      role: 'meter', 'aria-label': `Utilisation of ${budget.name}`, 'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': Math.round(u.used * 100), 'aria-valuetext': text, class: 'usage-meter',
    },
    s('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', class: 'usage-bar', 'aria-hidden': 'true' },
      s('rect', { x: 0, y: 0, width: 100, height: 10, class: 'usage-track' }),
      s('rect', { x: 0, y: 0, width: spentWidth, height: 10, class: 'usage-spent' }),
      s('rect', { x: spentWidth, y: 0, width: reservedWidth, height: 10, class: 'usage-reserved' }),
      (budget.thresholds || []).map((t) => s('line', {
        x1: (100 * Number(t) * u.limit) / scaleTo, x2: (100 * Number(t) * u.limit) / scaleTo, y1: 0, y2: 10,
        class: 'usage-threshold',
      })))),
    h('div', { class: 'usage-legend' },
      h('span', { class: 'key-spent' }, `spent ${amount(budget.spent, budget.unit)}`),
      h('span', { class: 'key-reserved' }, `reserved ${amount(budget.reserved, budget.unit)}`),
      h('span', {}, `available ${amount(budget.available, budget.unit)}`),
      h('span', { class: 'muted' }, `of ${amount(budget.limit, budget.unit)} · ${percent(u.used)}`),
      u.crossed !== null ? h('span', { class: 'level-note' }, `past the ${percent(u.crossed)} alert`) : null));
}

export function statusBadge(budget) {
  return budget.status === 'FROZEN'
    ? h('span', { class: 'badge frozen', title: budget.frozenReason || '' }, 'FROZEN')
    : h('span', { class: 'badge active' }, 'ACTIVE');
}

/** A table with a caption; columns: [{label, value: row => node|text, class?}]. */
export function table(caption, columns, rows, empty = 'Nothing yet.') {
  if (!rows.length) return h('p', { class: 'muted empty' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', { class: c.class }, c.value(row))))))));
}

export function section(title, ...content) {
  const id = uid('section');
  return h('section', { 'aria-labelledby': id, class: 'panel' }, h('h2', { id }, title), content);
}

/** What a view shows when the server does not have the endpoint it needs yet. */
export function unavailable(what) {
  return h('p', { class: 'notice', dataset: { unavailable: 'true' } },
    `${what} is not available on this server (its API endpoint is missing; a newer version of the service has it).`);
}

export function problemText(error) {
  const problem = error.problem || {};
  const details = (problem.errors || []).map((e) => `${e.field}: ${e.message}`).join('; ');
  return [problem.title || error.message, problem.detail && problem.detail !== problem.title ? problem.detail : '',
    details].filter(Boolean).join(' — ');
}

export function errorNote(error) {
  return h('p', { class: 'notice error', role: 'alert' }, problemText(error));
}

function openDialog(title, body, actions) {
  const titleId = uid('dialog-title');
  const dialog = h('dialog', { 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), body,
    h('div', { class: 'actions' }, actions));
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  return dialog;
}

/**
 * Asks before a change. With reasonLabel, a reason is required. Resolves to {reason} or null when cancelled.
 */
export function confirmDialog({ title, message, confirmLabel, reasonLabel, danger }) {
  return new Promise((resolve) => {
    const reason = reasonLabel ? field(reasonLabel, h('textarea', { required: true, maxlength: 500, rows: 3 })) : null;
    const form = h('form', { method: 'dialog' }, h('p', {}, message), reason);
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const confirm = h('button', { type: 'submit', class: danger ? 'danger' : '' }, confirmLabel);
    confirm.setAttribute('form', form.id = uid('confirm'));
    let answer = null;
    const dialog = openDialog(title, form, [cancel, confirm]);
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (reason && !reason.control.value.trim()) {
        reason.control.focus();
        return;
      }
      answer = { reason: reason ? reason.control.value.trim() : undefined };
      dialog.close();
    });
    dialog.addEventListener('close', () => resolve(answer));
  });
}

/** Shows a secret once, with a copy button; it is gone from the page when the dialog closes. */
export function secretDialog(title, secret, note) {
  return new Promise((resolve) => {
    const output = h('input', { type: 'text', readonly: true, value: secret, class: 'secret', 'aria-label': 'Secret' });
    const copied = h('span', { role: 'status', class: 'muted' });
    const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
    copy.addEventListener('click', async () => {
      output.select();
      try {
        await navigator.clipboard.writeText(secret);
        copied.textContent = 'Copied.';
      } catch {
        copied.textContent = 'Select the text and copy it.';
      }
    });
    const done = h('button', { type: 'button' }, 'I have stored it');
    const dialog = openDialog(title, [h('p', {}, note), output, h('div', {}, copy, ' ', copied)], [done]);
    done.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => resolve());
    output.focus();
    output.select();
  });
}

/** A form in a dialog; submit(values) may throw an ApiError, shown in the dialog. Resolves to its result or null. */
export function formDialog(title, fields, submitLabel, submit) {
  return new Promise((resolve) => {
    const error = h('div', { role: 'alert' });
    const form = h('form', { id: uid('form'), novalidate: true }, fields, error);
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const ok = h('button', { type: 'submit', form: form.id }, submitLabel);
    let result = null;
    const dialog = openDialog(title, form, [cancel, ok]);
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      ok.disabled = true;
      error.replaceChildren();
      try {
        result = await submit();
        dialog.close();
      } catch (failure) {
        error.replaceChildren(errorNote(failure));
      } finally {
        ok.disabled = false;
      }
    });
    dialog.addEventListener('close', () => resolve(result));
    const first = form.querySelector('input, select, textarea');
    if (first) first.focus();
  });
}
