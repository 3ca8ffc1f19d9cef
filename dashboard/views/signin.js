// The sign-in view: one password field, checked against the API before it is remembered.

import { checkKey } from '../api.js';
import { byId } from '../dom.js';
import { remember } from '../session.js';

/** Shows the form; calls `onSignedIn()` once a key is accepted. */
export function showSignIn(onSignedIn, message = '') {
  const form = byId('signin-form');
  const input = byId('api-key');
  const error = byId('signin-error');
  const button = byId('sign-in');
  byId('signin-view').hidden = false;
  error.textContent = message;
  input.value = '';
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  input.focus();

  form.onsubmit = async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      error.textContent = 'Enter your API key.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    error.textContent = '';
    try {
      await checkKey(key);
      remember(key);
      input.value = '';
      input.setAttribute('aria-invalid', 'false');
      byId('signin-view').hidden = true;
      onSignedIn();
    } catch (err) {
      error.textContent = err.message;
      input.setAttribute('aria-invalid', 'true');
      input.select();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  };
}
