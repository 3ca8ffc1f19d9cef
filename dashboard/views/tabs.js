// The status tabs (ARIA tabs pattern: arrow keys move between tabs, Home/End jump) with counts.

import { byId, clear, count, h } from '../dom.js';

/** The views, in order. `count` reads a tab's total from `GET /api/stats`'s `current`. */
export const TABS = [
  {
    id: 'review',
    label: 'To review',
    statuses: ['verified'],
    empty: 'Nothing to review: verified requests appear here until you accept them.',
    count: (c) => c.verified,
  },
  {
    id: 'accepted',
    label: 'Accepted',
    statuses: ['accepted'],
    empty: 'No accepted requests yet.',
    count: (c) => c.accepted,
  },
  {
    id: 'progress',
    label: 'In progress',
    statuses: ['pending'],
    empty: 'No request is waiting for its call.',
    count: (c) => c.pending,
  },
  {
    id: 'closed',
    label: 'Failed / expired',
    statuses: ['failed', 'expired'],
    empty: 'No failed or expired requests.',
    count: (c) => c.failed + c.expired,
  },
];

/** Renders the tab list; `onSelect(tab)` runs when the person picks another tab. */
export function renderTabs(selectedId, onSelect) {
  const list = byId('tabs');
  clear(list);
  const buttons = TABS.map((tab) => {
    const selected = tab.id === selectedId;
    return h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${tab.id}`,
        'aria-selected': selected ? 'true' : 'false',
        'aria-controls': 'panel',
        tabindex: selected ? '0' : '-1',
        dataset: { tab: tab.id },
        onclick: () => onSelect(tab),
      },
      h('span', { class: 'tab-label', text: tab.label }),
      ' ',
      h('span', { class: 'tab-count', id: `count-${tab.id}` }),
    );
  });
  list.append(...buttons);
  list.onkeydown = (event) => {
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    const to = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = buttons[(to + buttons.length) % buttons.length];
    next.focus();
    next.click();
  };
  byId('panel').setAttribute('aria-labelledby', `tab-${selectedId}`);
}

/** Shows each tab's count from the stats' `current`; `null` clears them (stats unavailable). */
export function showCounts(current) {
  for (const tab of TABS) {
    const badge = byId(`count-${tab.id}`);
    if (!badge) continue;
    const n = current ? tab.count(current) : null;
    badge.textContent = Number.isFinite(n) ? count(n) : '';
    badge.hidden = !Number.isFinite(n);
    badge.dataset.count = Number.isFinite(n) ? String(n) : '';
  }
}
