// Building the page from data. Values from the API only ever become text nodes and attribute
// values (createElement, textContent, setAttribute): never HTML. The browser test checks that a
// value containing markup shows as text, and the CSP blocks inline script if one ever slipped.

/**
 * `h('td', {class: 'num', dataset: {label: 'Email'}}, 'text', childNode)`.
 * Strings become text nodes; null/undefined/false children are skipped.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  setProps(node, props);
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements; attributes are set with setAttribute. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, children);
  return node;
}

function setProps(node, props) {
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = String(value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
}

export const byId = (id) => document.getElementById(id);

// ---- formatting -----------------------------------------------------------------------------

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const integer = new Intl.NumberFormat();

/** A `<time>` for an RFC 3339 timestamp, shown in the viewer's time zone. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return h('span', { text: String(iso) });
  return h('time', { datetime: iso, title: when.toISOString(), text: dateTime.format(when) });
}

/** A calendar date such as `2026-11-27` (stats windows are UTC days). */
export function day(isoDate) {
  const when = new Date(`${isoDate}T00:00:00Z`);
  return Number.isNaN(when.getTime()) ? String(isoDate) : dateOnly.format(when);
}

export const count = (n) => integer.format(n);

/** A face-match score in [0, 1] as a percentage, or a dash. */
export function percent(score) {
  if (typeof score !== 'number' || !Number.isFinite(score)) return '—';
  return `${Math.round(score * 1000) / 10}%`;
}

/** A readable status. */
export const STATUS_LABELS = {
  pending: 'In progress',
  verified: 'Verified',
  accepted: 'Accepted',
  failed: 'Failed',
  expired: 'Expired',
};

export function statusBadge(status) {
  const known = Object.hasOwn(STATUS_LABELS, status);
  return h('span', {
    class: `badge ${known ? `badge-${status}` : ''}`,
    text: known ? STATUS_LABELS[status] : String(status),
  });
}
