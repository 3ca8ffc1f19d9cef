// One request in a dialog: the document laid out like an ID card, the images, the face-match
// score, the timeline, and the Accept / Delete actions.

import * as api from '../api.js';
import { byId, clear, h, percent, statusBadge, time } from '../dom.js';

const DOCUMENT_TYPES = { P: 'Passport', ID: 'Identity card', I: 'Identity card', DL: 'Driving licence', D: 'Driving licence' };

/** Timeline events, in lifecycle order; each is shown only when the request has the field.
 * The code is emailed within the create (a request whose mail failed is withdrawn), so the
 * creation is also when it was emailed. */
const TIMELINE = [
  ['createdAt', 'Created; code emailed'],
  ['callPlacedAt', 'Call placed'],
  ['verifiedAt', 'Verified on the call'],
  ['acceptedAt', 'Accepted'],
  ['failedAt', (r) => (r.failureReason === 'call_not_placed'
    ? 'Failed: the call could not be placed'
    : 'Failed: too many wrong answers')],
  ['expiredAt', 'Expired: the code ran out'],
];

const IMAGES = [
  ['idFrontImage', 'Document front'],
  ['idBackImage', 'Document back'],
  ['idSideImage', 'Document side'],
  ['faceImage', 'Face'],
];

const present = (v) => v !== undefined && v !== null && v !== '';
const text = (v) => (present(v) ? String(v) : '—');

/** Whether a browser may load this image: presigned https URLs (and data: URLs) only. */
function loadable(url) {
  if (typeof url !== 'string') return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'data:';
  } catch {
    return false;
  }
}

function image(url, label) {
  if (loadable(url)) {
    const img = h('img', { src: url, alt: label, loading: 'lazy', referrerpolicy: 'no-referrer' });
    img.onerror = () => img.replaceWith(placeholder('Image could not be loaded (the link may have expired)'));
    return h('figure', { class: 'shot' }, img, h('figcaption', { text: label }));
  }
  const why = present(url) ? 'Stored; not viewable here yet' : 'No image';
  return h('figure', { class: 'shot' }, placeholder(why), h('figcaption', { text: label }));
}

function placeholder(why) {
  return h('div', { class: 'placeholder', role: 'img', 'aria-label': why }, h('span', { text: why }));
}

function field(label, value, extra) {
  return h('div', { class: 'field' }, h('dt', { text: label }), h('dd', {}, text(value), extra ? h('span', { class: 'muted', text: ` ${extra}` }) : null));
}

function idCard(r) {
  const info = r.idInformation ?? {};
  const given = [info.firstName, info.middleName].filter(present).join(' ');
  const type = DOCUMENT_TYPES[info.documentType] ?? info.documentType;
  const face = loadable(r.faceImage)
    ? h('img', { class: 'id-photo', src: r.faceImage, alt: 'Face on the document', referrerpolicy: 'no-referrer' })
    : h('div', { class: 'id-photo placeholder', role: 'img', 'aria-label': 'No photo' }, h('span', { text: 'Photo' }));
  return h(
    'section',
    { class: 'id-card', 'aria-label': 'Identity document' },
    h('div', { class: 'id-head' },
      h('span', { class: 'id-issuer', text: text(info.issuerOrg_full ?? info.issuerOrg_iso3) }),
      h('span', { class: 'id-type', text: text(type) })),
    h('div', { class: 'id-main' },
      face,
      h('dl', { class: 'id-fields' },
        field('Surname', info.lastName),
        field('Given names', given || null),
        field('Document no.', info.documentNumber),
        field('Nationality', info.nationality_full ?? info.nationality_iso3),
        field('Date of birth', info.dob, present(info.age) ? `(age ${info.age})` : null),
        field('Issued', info.issued),
        field('Expires', info.expiry, present(info.daysToExpiry) ? `(in ${info.daysToExpiry} days)` : null),
        field('Authority', info.issueAuthority),
        field('Address', info.address1))),
    h('details', { class: 'all-fields' },
      h('summary', { text: 'All document fields' }),
      h('dl', {}, ...Object.entries(info).map(([k, v]) => field(k, v)))),
  );
}

function faceMatch(score) {
  const known = typeof score === 'number' && Number.isFinite(score);
  return h('section', { class: 'face-match', 'aria-label': 'Face match' },
    h('h3', { id: 'face-match-label', text: 'Face match' }),
    known
      ? h('div', { class: 'meter-row' },
        h('meter', { min: '0', max: '1', low: '0.6', high: '0.85', optimum: '1', value: String(score), 'aria-labelledby': 'face-match-label' }),
        h('span', { class: 'score', text: percent(score) }))
      : h('p', { class: 'muted', text: 'No face-match score.' }));
}

function timeline(r) {
  const events = TIMELINE.filter(([key]) => present(r[key]))
    .map(([key, label]) => ({ key, label: typeof label === 'function' ? label(r) : label, at: r[key] }))
    .sort((a, b) => String(a.at).localeCompare(String(b.at)));
  return h('section', { class: 'timeline', 'aria-label': 'Timeline' },
    h('h3', { text: 'Timeline' }),
    h('ol', {}, ...events.map((e) => h('li', { dataset: { event: e.key } }, h('span', { class: 'event', text: e.label }), ' ', time(e.at)))));
}

function facts(r) {
  return h('dl', { class: 'facts' },
    h('div', { class: 'field' }, h('dt', { text: 'Status' }), h('dd', {}, statusBadge(r.status))),
    field('Email', r.email),
    field('Phone', r.phoneNumber),
    field('Call attempts', `${r.attemptsUsed} of ${r.maxAttempts} wrong answers used`),
    field('Document record', r.documentIdentificationId),
    field('Request id', r.id));
}

export class DetailView {
  /**
   * @param {{accepted: (r: object) => void, deleted: (r: object) => void}} on what the rest of
   *   the page does after an action succeeded
   */
  constructor(on) {
    this.on = on;
    this.dialog = byId('detail');
    this.request = null;
    byId('detail-close').onclick = () => this.dialog.close();
    byId('detail-accept').onclick = () => this.accept();
    byId('detail-delete').onclick = () => this.confirmDelete();
    byId('confirm-delete-cancel').onclick = () => byId('confirm-delete').close();
    byId('confirm-delete-ok').onclick = () => this.delete();
  }

  /** Opens `r` at once, then shows the stored request as read now. */
  async open(r) {
    this.status('');
    this.render(r);
    if (!this.dialog.open) this.dialog.showModal();
    try {
      this.render(await api.getRequest(r.id));
    } catch (err) {
      this.status(err.message, true);
    }
  }

  render(r) {
    this.request = r;
    byId('detail-title').textContent = `Request of ${r.email}`;
    const body = byId('detail-body');
    clear(body);
    body.append(
      facts(r),
      idCard(r),
      h('section', { class: 'shots', 'aria-label': 'Images' }, ...IMAGES.map(([key, label]) => image(r[key], label))),
      faceMatch(r.faceMatch),
      timeline(r),
    );
    const accept = byId('detail-accept');
    accept.hidden = r.status !== 'verified';
    accept.disabled = false;
    accept.textContent = 'Accept';
  }

  status(message, isError = false) {
    const line = byId('detail-status');
    line.textContent = message;
    line.classList.toggle('error', isError);
  }

  async accept() {
    const r = this.request;
    const button = byId('detail-accept');
    button.disabled = true;
    button.textContent = 'Accepting…';
    this.status('Accepting…');
    try {
      const answer = await api.accept(r.id);
      this.status(`${answer.message}.`);
      this.on.accepted(r);
      this.render(await api.getRequest(r.id));
      this.status(`${answer.message}.`);
    } catch (err) {
      this.status(`Not accepted: ${err.message}. Only a request verified on the call can be accepted, once.`, true);
      button.disabled = false;
      button.textContent = 'Accept';
    }
  }

  confirmDelete() {
    const r = this.request;
    byId('confirm-delete-text').textContent =
      `This permanently removes the request of ${r.email} (${r.phoneNumber}) and frees that email and phone number for a new request.`;
    byId('confirm-delete').showModal();
    byId('confirm-delete-cancel').focus();
  }

  async delete() {
    const r = this.request;
    const button = byId('confirm-delete-ok');
    button.disabled = true;
    button.textContent = 'Deleting…';
    try {
      const answer = await api.deleteRequest(r.id);
      byId('confirm-delete').close();
      this.dialog.close();
      this.on.deleted(r, answer.message);
    } catch (err) {
      byId('confirm-delete').close();
      this.status(`Not deleted: ${err.message}`, true);
    } finally {
      button.disabled = false;
      button.textContent = 'Delete';
    }
  }
}
