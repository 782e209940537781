// Small SVG charts drawn here (no library, nothing loaded from elsewhere). Each chart is an image with a text
// alternative; the views also show the same figures in a table.

import { s } from './dom.js';
import { num } from './format.js';

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 40, left: 64 };

function scale(max) {
  const top = max > 0 ? max * 1.1 : 1;
  return (value) => PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - num(value) / top);
}

function axis(max, y, format) {
  const ticks = [0, max / 2, max].filter((v, i, all) => all.indexOf(v) === i);
  return ticks.map((tick) => [
    s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick), class: 'grid' }),
    s('text', { x: PAD.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'tick' }, format(tick)),
  ]);
}

function frame(label, ...content) {
  return s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'chart' },
    s('title', {}, label), content);
}

const tickFormat = (value) => (value >= 100 ? value.toFixed(0) : value.toPrecision(2).replace(/\.?0+$/, '') || '0');

/** One bar per item: [{label, value}]. */
export function barChart(label, items) {
  const max = Math.max(0, ...items.map((item) => num(item.value)));
  const y = scale(max);
  const band = (WIDTH - PAD.left - PAD.right) / Math.max(items.length, 1);
  const bars = items.map((item, index) => {
    const x = PAD.left + index * band + band * 0.15;
    const top = y(item.value);
    return [
      s('rect', { x, y: top, width: band * 0.7, height: Math.max(0, y(0) - top), class: 'bar-mark' },
        s('title', {}, `${item.label}: ${item.value}`)),
      s('text', { x: x + band * 0.35, y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' },
        truncate(item.label, Math.max(4, Math.floor(band / 7)))),
    ];
  });
  return frame(label, axis(max, y, tickFormat), bars);
}

/** A line through [{label, value}] in order, with a dot on each point. */
export function lineChart(label, items) {
  const max = Math.max(0, ...items.map((item) => num(item.value)));
  const y = scale(max);
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(items.length - 1, 1);
  const x = (index) => PAD.left + (items.length === 1 ? (WIDTH - PAD.left - PAD.right) / 2 : index * step);
  const points = items.map((item, index) => `${x(index)},${y(item.value)}`).join(' ');
  const every = Math.max(1, Math.ceil(items.length / 8));
  return frame(label, axis(max, y, tickFormat),
    s('polyline', { points, class: 'line-mark' }),
    items.map((item, index) => s('circle', { cx: x(index), cy: y(item.value), r: 3.5, class: 'dot-mark' },
      s('title', {}, `${item.label}: ${item.value}`))),
    items.map((item, index) => (index % every === 0
      ? s('text', { x: x(index), y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, item.label)
      : null)));
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
