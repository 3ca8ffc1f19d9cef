// A tab's table: newest first, "load more" over nextToken, a search box over the loaded rows,
// and a refresh that folds the newest page back in without losing what was loaded.

import { listRequests } from '../api.js';
import { byId, clear, count, h, percent, statusBadge, time } from '../dom.js';
import { Pager } from '../pager.js';

export const PAGE_SIZE = 50;

/** Lower-case text and bare digits, for matching emails and phone numbers loosely. */
function normalise(text) {
  return String(text ?? '').toLowerCase();
}
const digits = (text) => String(text ?? '').replace(/\D+/g, '');

export function matches(request, term) {
  const t = normalise(term).trim();
  if (!t) return true;
  if (normalise(request.email).includes(t)) return true;
  const d = digits(t);
  // A term that is a phone number (digits with +, spaces, dashes, brackets) matches on digits.
  return d.length > 0 && /^[\d\s+().-]+$/.test(t) && digits(request.phoneNumber).includes(d);
}

export class RequestTable {
  /** @param {(request: object) => void} onOpen opens a request's detail */
  constructor(onOpen) {
    this.onOpen = onOpen;
    this.tab = null;
    this.rows = [];
    this.pager = null;
    this.generation = 0; // bumps on tab change, so a late answer for another tab is dropped
    this.search = byId('search');
    this.search.oninput = () => this.render();
    byId('load-more').onclick = () => this.loadMore();
  }

  /** The rows the person sees now (the search applied), for the CSV export. */
  visibleRows() {
    return this.rows.filter((r) => matches(r, this.search.value));
  }

  newPager(tab) {
    const fetchPage = (status, nextToken, limit) => listRequests(status, { limit, nextToken });
    return new Pager(fetchPage, tab.statuses, PAGE_SIZE);
  }

  /** Shows `tab` from its first page. */
  async show(tab) {
    this.tab = tab;
    this.generation += 1;
    this.rows = [];
    this.pager = this.newPager(tab);
    byId('table-caption').textContent = `${tab.label} requests, newest first`;
    this.render({ loading: true });
    await this.loadMore();
  }

  async loadMore() {
    const generation = this.generation;
    const button = byId('load-more');
    button.disabled = true;
    button.textContent = 'Loading…';
    byId('requests-table').setAttribute('aria-busy', 'true');
    try {
      const rows = await this.pager.next();
      if (generation !== this.generation) return;
      this.rows.push(...rows);
      this.render();
    } finally {
      if (generation === this.generation) {
        button.disabled = false;
        button.textContent = 'Load more';
        byId('requests-table').setAttribute('aria-busy', 'false');
      }
    }
  }

  /**
   * Folds the newest page back in: new requests go on top, rows of that page's time range that
   * changed are updated, and rows that left this tab (accepted, deleted, failed) are dropped.
   * Rows loaded further down stay as they are until the tab is shown again.
   */
  async refresh() {
    if (!this.tab) return;
    const generation = this.generation;
    const fresh = await this.newPager(this.tab).next();
    if (generation !== this.generation) return;
    const freshIds = new Set(fresh.map((r) => r.id));
    // The newest page covers every id from its oldest row up (all of them if it was not full).
    const floor = fresh.length === PAGE_SIZE ? fresh[fresh.length - 1].id : '';
    const older = this.rows.filter((r) => r.id < floor && !freshIds.has(r.id));
    this.rows = [...fresh, ...older];
    this.render();
  }

  /** Drops one request (after it was accepted or deleted). */
  remove(id) {
    this.rows = this.rows.filter((r) => r.id !== id);
    this.render();
  }

  render({ loading = false } = {}) {
    const body = byId('rows');
    const shown = this.visibleRows();
    clear(body);
    body.append(...shown.map((r) => this.row(r)));
    const term = this.search.value.trim();
    const more = this.pager && !this.pager.done;
    const empty = byId('empty');
    empty.hidden = loading || shown.length > 0;
    if (this.rows.length === 0) {
      empty.textContent = this.tab ? this.tab.empty : '';
    } else {
      empty.textContent = `No loaded request matches “${term}”.`;
    }
    byId('search-hint').textContent = term
      ? `${count(shown.length)} of ${count(this.rows.length)} loaded requests match.${more ? ' Load more to search further.' : ''}`
      : '';
    byId('load-more').hidden = loading || !more;
  }

  row(r) {
    const open = h('button', {
      type: 'button',
      class: 'link',
      'aria-label': `Open the request of ${r.email}`,
      onclick: () => this.onOpen(r),
      text: r.email,
    });
    const cell = (label, ...content) => h('td', { dataset: { label } }, ...content);
    return h(
      'tr',
      { dataset: { id: r.id, status: r.status } },
      cell('Email', open),
      cell('Phone', r.phoneNumber),
      cell('Created', time(r.createdAt)),
      cell('Status', statusBadge(r.status)),
      cell('Attempts', `${r.attemptsUsed} of ${r.maxAttempts}`),
      cell('Face match', percent(r.faceMatch)),
    );
  }
}
