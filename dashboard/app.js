// The dashboard's entry point: signs in, wires the views together, refreshes on a timer.

import * as api from './api.js';
import { download } from './csv.js';
import { byId } from './dom.js';
import { apiKey, forget } from './session.js';
import { ClearDialog } from './views/clear.js';
import { DetailView } from './views/detail.js';
import { showSignIn } from './views/signin.js';
import { renderSummary } from './views/summary.js';
import { RequestTable } from './views/table.js';
import { TABS, renderTabs, showCounts } from './views/tabs.js';

const REFRESH_MS = 30_000;

const state = {
  tab: TABS[0],
  current: null, // stats.current, for the counts and Clear all
  timer: null,
};

const table = new RequestTable((request) => detail.open(request));
const detail = new DetailView({
  accepted: (request) => {
    table.remove(request.id);
    notice('The request was accepted and moved to Accepted.');
    refreshStats();
  },
  deleted: (request, message) => {
    table.remove(request.id);
    notice(`${message} The request of ${request.email} was deleted.`);
    refreshStats();
  },
});
const clearDialog = new ClearDialog((message) => {
  if (message) notice(message);
  refreshAll();
});

function notice(message) {
  byId('alert').textContent = '';
  byId('notice').textContent = message;
}

function alertError(err) {
  // A key revoked while signed in: back to the sign-in form, saying why.
  if (err && err.status === 401) {
    signOut(err.message);
    return;
  }
  byId('notice').textContent = '';
  byId('alert').textContent = err ? err.message : '';
}

async function refreshStats() {
  try {
    const stats = await api.stats();
    state.current = stats.current ?? null;
    renderSummary(stats);
    showCounts(state.current);
  } catch (err) {
    if (err.status === 401) return alertError(err);
    state.current = null;
    renderSummary(null, err);
    showCounts(null);
  }
  return undefined;
}

async function refreshAll() {
  const stamp = new Date();
  await Promise.all([
    refreshStats(),
    table.refresh().catch(alertError),
  ]);
  byId('updated').textContent = `Updated ${stamp.toLocaleTimeString()}`;
}

async function selectTab(tab) {
  state.tab = tab;
  renderTabs(tab.id, selectTab);
  showCounts(state.current);
  byId('alert').textContent = '';
  try {
    await table.show(tab);
    byId('updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    alertError(err);
  }
}

function schedule() {
  clearInterval(state.timer);
  state.timer = null;
  if (!byId('auto-refresh').checked || !apiKey()) return;
  state.timer = setInterval(() => {
    // Not while the tab is hidden or a dialog is open: nothing should move under the person.
    if (document.hidden || document.querySelector('dialog[open]')) return;
    refreshAll();
  }, REFRESH_MS);
}

function start() {
  byId('signin-view').hidden = true;
  byId('app-view').hidden = false;
  byId('session').hidden = false;
  byId('notice').textContent = '';
  byId('alert').textContent = '';
  refreshStats();
  selectTab(state.tab);
  schedule();
  byId(`tab-${state.tab.id}`)?.focus();
}

function signOut(message = '') {
  forget();
  clearInterval(state.timer);
  state.timer = null;
  state.current = null;
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  byId('app-view').hidden = true;
  byId('session').hidden = true;
  byId('rows').replaceChildren();
  byId('summary-body').replaceChildren();
  byId('search').value = '';
  byId('notice').textContent = message ? '' : 'Signed out.';
  byId('alert').textContent = '';
  showSignIn(start, message);
}

byId('sign-out').onclick = () => signOut();
byId('refresh').onclick = () => refreshAll();
byId('auto-refresh').onchange = schedule;
byId('clear-all').onclick = () => {
  const c = state.current;
  clearDialog.open(c ? c.pending + c.verified + c.accepted + c.failed + c.expired : null);
};
byId('export').onclick = () => {
  const rows = table.visibleRows();
  const date = new Date().toISOString().slice(0, 10);
  download(rows, `ekyc-${state.tab.id}-${date}.csv`);
  notice(`Exported ${rows.length} ${rows.length === 1 ? 'request' : 'requests'} of ${state.tab.label}.`);
};

if (apiKey()) start();
else showSignIn(start);
