// The one place that talks to the API. Every call carries the tab's API key in `x-api-key`;
// every failure becomes an ApiError whose message is a sentence to show the person.
//
// URLs are relative to the page. The page is served at `<prefix>/dashboard` (no trailing slash;
// the server redirects `/dashboard/` there), so `api/requests` resolves to `<prefix>/api/requests`
// both on API Gateway (prefix empty or a stage) and behind `cargo lambda watch`
// (prefix `/lambda-url/api`).
//
// Routes used:
//   GET    api/requests?status=<s>&order=newest&limit=<n>[&nextToken=<t>]
//            -> {"requests": [...], "nextToken": "..."}   (nextToken absent on the last page)
//   GET    api/requests/{id}        -> {"requests": [<one>]}
//   PUT    api/accept               {"id"} -> {"message": "Kyc request accepted"}
//                                    400 {"message": "Kyc request not accepted"}
//   DELETE api/delete-request       {"id"} -> {"message": "KYC request deleted!"}
//   DELETE api/clear-requests       -> {"message": ..., "deleted": n, "remaining": n}
//   GET    api/stats                -> see STATS below
//
// STATS: `GET /api/stats` answers from counters kept by the same writes that create and
// transition requests (per tenant, per UTC day), never by scanning:
//   {"current": {"pending": 3, "verified": 5, "accepted": 12, "failed": 1, "expired": 2},
//    "last7Days":  {"from": "2026-11-21", "to": "2026-11-27",
//                   "created": 40, "verified": 30, "accepted": 20, "failed": 3, "expired": 2},
//    "last30Days": {"from": "2026-10-29", "to": "2026-11-27", "created": ..., ...}}
// `current` counts the requests stored now by status (what the tabs show; a pending request
// whose code lapsed counts as expired). The windows count events on the UTC days from `from`
// to `to` inclusive (today included): requests created, verified, accepted, failed, expired;
// deleting a request does not rewrite history.

import { apiKey } from './session.js';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 when the API could not be reached
  }
}

/** The absolute URL of an API path such as `api/requests`, relative to the page. */
export function apiUrl(path, query) {
  const url = new URL(path, document.baseURI);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  return url;
}

/**
 * Calls the API. Resolves to the parsed JSON body of a 2xx answer; rejects with an ApiError
 * that says what went wrong in words. `key` overrides the signed-in key (sign-in checks one).
 */
export async function call(method, path, { query, body, key, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const presented = key ?? apiKey();
  if (presented) headers['x-api-key'] = presented;
  const init = { method, headers, cache: 'no-store', credentials: 'omit', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError('The API could not be reached. Check the connection and try again.', 0);
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok && data !== null) return data;
  throw new ApiError(describe(response, data), response.status);
}

function describe(response, data) {
  const said = data && (typeof data.error === 'string' ? data.error
    : typeof data.message === 'string' ? data.message : null);
  if (response.status === 401) {
    return `The API key was not accepted${said ? ` (${said})` : ''}. Check the key and sign in again.`;
  }
  if (response.ok) return `The API answered ${response.status} without a readable body.`;
  if (said) return response.status >= 500 ? `${said} (HTTP ${response.status})` : said;
  return `The API answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
}

/** One page of a status, newest first. */
export function listRequests(status, { limit, nextToken, signal } = {}) {
  return call('GET', 'api/requests', {
    query: { status, order: 'newest', limit, nextToken },
    signal,
  });
}

export async function getRequest(id) {
  const data = await call('GET', `api/requests/${encodeURIComponent(id)}`);
  return data.requests[0];
}

export const accept = (id) => call('PUT', 'api/accept', { body: { id } });
export const deleteRequest = (id) => call('DELETE', 'api/delete-request', { body: { id } });
export const clearRequests = () => call('DELETE', 'api/clear-requests');
export const stats = () => call('GET', 'api/stats');

/** Checks a key before it is remembered: the cheapest authenticated read (a few counters). */
export const checkKey = (key) => call('GET', 'api/stats', { key });
