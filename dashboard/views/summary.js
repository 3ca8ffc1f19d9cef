// The summary strip: created, verified, accepted and failed over the last 7 and 30 days, as
// numbers and as a small bar chart (SVG built element by element), from `GET /api/stats`.

import { byId, clear, count, day, h, svg } from '../dom.js';

const METRICS = [
  ['created', 'Created'],
  ['verified', 'Verified'],
  ['accepted', 'Accepted'],
  ['failed', 'Failed'],
];
const WINDOWS = [
  ['last7Days', '7 days'],
  ['last30Days', '30 days'],
];

/** Shows `stats` (the JSON of `GET /api/stats`), or why it is missing. */
export function renderSummary(stats, error) {
  const body = byId('summary-body');
  clear(body);
  if (error) {
    body.append(h('p', { class: 'muted', text: `Statistics unavailable: ${error.message}` }));
    return;
  }
  const numbers = h('table', { class: 'stats' },
    h('caption', { class: 'visually-hidden', text: 'Requests by outcome over the last 7 and 30 days' }),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: 'Outcome' }),
      ...WINDOWS.map(([key, label]) => h('th', { scope: 'col', title: range(stats[key]), text: label })))),
    h('tbody', {}, ...METRICS.map(([metric, label]) => h('tr', { dataset: { metric } },
      h('th', { scope: 'row', text: label }),
      ...WINDOWS.map(([key]) => h('td', { dataset: { window: key }, text: count(stats[key]?.[metric] ?? 0) }))))));
  body.append(numbers, chart(stats));
}

function range(window) {
  return window ? `${day(window.from)} to ${day(window.to)} (UTC)` : '';
}

/** Grouped horizontal bars: per outcome, the 7-day bar over the 30-day bar. */
function chart(stats) {
  const width = 320;
  const labelWidth = 72;
  const barHeight = 10;
  const rowHeight = 2 * barHeight + 10;
  const height = METRICS.length * rowHeight + 18;
  const max = Math.max(1, ...METRICS.flatMap(([m]) => WINDOWS.map(([w]) => stats[w]?.[m] ?? 0)));
  const scale = (n) => ((width - labelWidth - 40) * n) / max;
  const title = METRICS.map(([m, label]) => `${label}: ${stats.last7Days?.[m] ?? 0} in 7 days, ${stats.last30Days?.[m] ?? 0} in 30 days`).join('; ');
  const rows = METRICS.flatMap(([metric, label], i) => {
    const y = i * rowHeight;
    return [
      svg('text', { x: 0, y: y + barHeight + 4, class: 'chart-label' }, label),
      ...WINDOWS.map(([w], j) => {
        const n = stats[w]?.[metric] ?? 0;
        const by = y + j * barHeight;
        return svg('g', { class: `bar bar-${j === 0 ? 'short' : 'long'} bar-${metric}` },
          svg('rect', { x: labelWidth, y: by, width: Math.max(1, scale(n)), height: barHeight - 2, rx: 2 }),
          svg('text', { x: labelWidth + Math.max(1, scale(n)) + 4, y: by + barHeight - 3, class: 'chart-value' }, count(n)));
      }),
    ];
  });
  const legendY = METRICS.length * rowHeight + 8;
  const legend = WINDOWS.map(([, label], j) => svg('g', { class: `legend bar-${j === 0 ? 'short' : 'long'}` },
    svg('rect', { x: labelWidth + j * 90, y: legendY, width: 10, height: 8, rx: 2 }),
    svg('text', { x: labelWidth + j * 90 + 14, y: legendY + 8, class: 'chart-label' }, label)));
  return h('figure', { class: 'chart' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title', focusable: 'false' },
      svg('title', { id: 'chart-title' }, title),
      ...rows, ...legend));
}
