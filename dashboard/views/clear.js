// "Clear all": a typed confirmation that names how many requests will go, then as many
// `DELETE /api/clear-requests` calls as it takes (one call works for a bounded time and says
// how many remain), with the progress and the API's answer.

import { clearRequests } from '../api.js';
import { byId, count } from '../dom.js';

/** Longest run of calls before giving up (each works up to ~20 s server-side). */
const MAX_CALLS = 50;

export class ClearDialog {
  /** @param {(message: string) => void} onCleared */
  constructor(onCleared) {
    this.onCleared = onCleared;
    this.dialog = byId('confirm-clear');
    this.input = byId('confirm-clear-input');
    this.ok = byId('confirm-clear-ok');
    this.expected = '';
    this.running = false;
    this.input.oninput = () => {
      this.ok.disabled = this.running || this.input.value.trim() !== this.expected;
    };
    byId('confirm-clear-cancel').onclick = () => this.dialog.close();
    this.dialog.oncancel = (event) => {
      if (this.running) event.preventDefault(); // Esc does not walk away from a running clear
    };
    byId('confirm-clear-form').onsubmit = (event) => {
      event.preventDefault();
      if (!this.ok.disabled) this.run();
    };
  }

  /** Opens the dialog for `total` stored requests (null when unknown). */
  open(total) {
    const known = Number.isFinite(total);
    this.expected = known ? String(total) : 'delete all';
    byId('confirm-clear-text').textContent = known
      ? `This permanently deletes all ${count(total)} requests of this account, in every tab, and frees their emails and phone numbers. It cannot be undone.`
      : 'This permanently deletes every request of this account, in every tab, and frees their emails and phone numbers. It cannot be undone.';
    byId('confirm-clear-label').textContent = known
      ? `Type ${total} to confirm`
      : 'Type “delete all” to confirm';
    byId('confirm-clear-progress').textContent = '';
    byId('confirm-clear-progress').classList.remove('error');
    this.input.value = '';
    this.input.disabled = false;
    this.ok.disabled = true;
    this.ok.textContent = 'Clear all';
    this.dialog.showModal();
    this.input.focus();
  }

  async run() {
    const progress = byId('confirm-clear-progress');
    this.running = true;
    this.ok.disabled = true;
    this.input.disabled = true;
    byId('confirm-clear-cancel').disabled = true;
    this.ok.textContent = 'Clearing…';
    progress.classList.remove('error');
    progress.textContent = 'Clearing…';
    let deleted = 0;
    try {
      for (let calls = 1; ; calls += 1) {
        const answer = await clearRequests();
        deleted += answer.deleted ?? 0;
        if (!answer.remaining) {
          progress.textContent = `${answer.message}: ${count(deleted)} deleted.`;
          this.onCleared(`${answer.message}: ${count(deleted)} deleted.`);
          this.dialog.close();
          return;
        }
        progress.textContent = `${count(deleted)} deleted so far, ${count(answer.remaining)} remaining…`;
        if (calls >= MAX_CALLS) {
          throw new Error(`${count(answer.remaining)} requests remain after ${calls} calls; run Clear all again`);
        }
      }
    } catch (err) {
      progress.classList.add('error');
      progress.textContent = `Clearing stopped: ${err.message}. ${count(deleted)} were deleted.`;
      this.onCleared(null);
    } finally {
      this.running = false;
      this.input.disabled = false;
      byId('confirm-clear-cancel').disabled = false;
      this.ok.textContent = 'Clear all';
      this.ok.disabled = this.input.value.trim() !== this.expected;
    }
  }
}
