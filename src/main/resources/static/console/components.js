// Pieces the views share: utilisation bars, tables, dialogs, notices.

import { h, s, field, uid } from './dom.js';
import { amount, money, percent, utilisation } from './format.js';

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
      h('span', { class: 'key-spent' }, 'spent ', money(budget.spent, budget.unit)),
      h('span', { class: 'key-reserved' }, 'reserved ', money(budget.reserved, budget.unit)),
      h('span', {}, 'available ', money(budget.available, budget.unit)),
      h('span', { class: 'muted' }, 'of ', money(budget.limit, budget.unit), ` · ${percent(u.used)}`),
      u.crossed !== null ? h('span', { class: 'level-note' }, `past the ${percent(u.crossed)} alert`) : null));
}

export function statusBadge(budget) {
  if (budget.closed) {
    return h('span', { class: 'badge closed', title: budget.closedAt ? `closed ${budget.closedAt}` : '' }, 'CLOSED');
  }
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

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. */
export function csvField(value) {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Text a person chose (names, metadata values): a leading = + - @ would make a spreadsheet run it as a formula, so
 * it gets an apostrophe, as the server's own CSV does. Amounts are not passed through this: they stay exact.
 */
export function csvText(value) {
  const text = value === undefined || value === null ? '' : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Rows ([{...}]) as CSV with a header of `columns` ([{name, text?}]), CRLF line ends. */
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (const row of rows) {
    lines.push(columns.map((c) => csvField(c.text ? csvText(row[c.name]) : row[c.name])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Export buttons for what a view shows: `data()` answers {name, columns, rows, meta}; CSV has the rows, JSON the
 * meta (range, unit, source) and the rows. Amounts are the API's exact decimal strings, not what is displayed.
 */
export function exportButtons(data) {
  const csv = h('button', { type: 'button', class: 'secondary' }, 'Export CSV');
  const json = h('button', { type: 'button', class: 'secondary' }, 'Export JSON');
  csv.addEventListener('click', () => {
    const { name, columns, rows } = data();
    download(`${name}.csv`, 'text/csv;charset=utf-8', toCsv(columns, rows));
  });
  json.addEventListener('click', () => {
    const { name, meta, rows } = data();
    download(`${name}.json`, 'application/json', `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  });
  return h('div', { class: 'buttons exports', role: 'group', 'aria-label': 'Export' }, csv, json);
}

/** A picker of the time range: 24 hours, 7 or 30 days, or the current period; `onChange(range)`. */
export const RANGES = [['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'],
  ['period', 'This period']];

export function rangePicker(current, onChange) {
  return h('div', { class: 'toggles', role: 'group', 'aria-label': 'Time range' },
    RANGES.map(([range, label]) => {
      const button = h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(range === current) },
        label);
      button.addEventListener('click', () => onChange(range));
      return button;
    }));
}

/** [from, to) of a range as ISO instants; `period` leaves both out: the server's current period up to its now. */
export function rangeQuery(range) {
  const hours = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 }[range];
  if (!hours) return {};
  const to = new Date();
  return { from: new Date(to.getTime() - hours * 3600 * 1000).toISOString(), to: to.toISOString() };
}
