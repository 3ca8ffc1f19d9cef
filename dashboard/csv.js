// The current view as a CSV file, built in the browser from the rows shown.

const COLUMNS = [
  'id', 'email', 'phoneNumber', 'status', 'createdAt', 'verifiedAt', 'acceptedAt', 'failedAt',
  'expiredAt', 'attemptsUsed', 'maxAttempts', 'faceMatch', 'documentIdentificationId',
];

/**
 * One CSV cell (RFC 4180 quoting). A value a spreadsheet would run as a formula (starting with
 * =, @, tab, CR, or + / - followed by something other than a number) gets a leading apostrophe
 * (OWASP's CSV-injection advice); phone numbers like +14155550123 stay as they are.
 */
export function cell(value) {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=@\t\r]/.test(text) || /^[+-](?![\d.\s]*$)/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows) {
  const lines = [COLUMNS.join(',')];
  for (const row of rows) lines.push(COLUMNS.map((key) => cell(row[key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Offers `rows` as a download named `name`. */
export function download(rows, name) {
  const blob = new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
