// Small SVG charts drawn here (no library, nothing loaded from elsewhere). Each chart is an image with a text
// alternative; the views also show the same figures in a table.

import { s } from './dom.js';
import { num, amount } from './format.js';

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 40, left: 64 };

function scale(max) {
  const top = max > 0 ? max * 1.1 : 1;
  return (value) => PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - num(value) / top);
}

/** Gridlines at 0, half and the top, labelled in the unit (the unit also heads the axis). */
function axis(max, y, unit) {
  const ticks = [0, max / 2, max].filter((v, i, all) => all.indexOf(v) === i);
  return [
    unit ? s('text', { x: 4, y: PAD.top + 4, class: 'tick axis-unit' }, unit === 'TOKENS' ? 'tokens' : unit) : null,
    ticks.map((tick) => [
      s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick), class: 'grid' }),
      s('text', { x: PAD.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'tick' }, tickFormat(tick, unit)),
    ]),
  ];
}

/** Horizontal reference lines (a limit, its alert thresholds), each labelled at its right end. */
function references(lines, y) {
  return (lines || []).map((line) => [
    s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(line.value), y2: y(line.value),
      class: `reference ${line.class || ''}` }),
    s('text', { x: WIDTH - PAD.right - 2, y: y(line.value) - 3, 'text-anchor': 'end', class: 'tick reference-label' },
      line.label),
  ]);
}

function frame(label, ...content) {
  return s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'chart' },
    s('title', {}, label), content);
}

/** A tick: a round figure in the unit's own way (whole tokens, money to sensible decimals); no unit repeated. */
function tickFormat(value, unit) {
  if (value === 0) return '0';
  const text = value >= 100 ? value.toFixed(0) : Number(value.toPrecision(2)).toFixed(12);
  return amount(text, unit === 'TOKENS' ? 'TOKENS' : '').replace(/ tokens$/, '');
}

/** One bar per item: [{label, value}], values in `unit`. */
export function barChart(label, items, { unit } = {}) {
  const max = Math.max(0, ...items.map((item) => num(item.value)));
  const y = scale(max);
  const band = (WIDTH - PAD.left - PAD.right) / Math.max(items.length, 1);
  const bars = items.map((item, index) => {
    const x = PAD.left + index * band + band * 0.15;
    const top = y(item.value);
    return [
      s('rect', { x, y: top, width: band * 0.7, height: Math.max(0, y(0) - top), class: 'bar-mark' },
        s('title', {}, `${item.label}: ${amount(item.value, unit)} (${item.value})`)),
      s('text', { x: x + band * 0.35, y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' },
        truncate(item.label, Math.max(4, Math.floor(band / 7)))),
    ];
  });
  return frame(label, axis(max, y, unit), bars);
}

/**
 * A line through [{label, value}] in order, with a dot on each point; `lines` are horizontal references
 * ([{value, label, class}]) the scale makes room for.
 */
export function lineChart(label, items, { unit, lines = [] } = {}) {
  const max = Math.max(0, ...items.map((item) => num(item.value)), ...lines.map((line) => num(line.value)));
  const y = scale(max);
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(items.length - 1, 1);
  const x = (index) => PAD.left + (items.length === 1 ? (WIDTH - PAD.left - PAD.right) / 2 : index * step);
  const points = items.map((item, index) => `${x(index)},${y(item.value)}`).join(' ');
  const every = Math.max(1, Math.ceil(items.length / 8));
  return frame(label, axis(max, y, unit), references(lines, y),
    s('polyline', { points, class: 'line-mark' }),
    items.map((item, index) => s('circle', { cx: x(index), cy: y(item.value), r: 3.5, class: 'dot-mark' },
      s('title', {}, `${item.label}: ${amount(item.value, unit)} (${item.value})`))),
    items.map((item, index) => (index % every === 0
      ? s('text', { x: x(index), y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, item.label)
      : null)));
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
