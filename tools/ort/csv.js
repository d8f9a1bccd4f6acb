// CSV as odonata writes and reads it (RFC 4180: quotes, doubled quotes, CRLF or
// LF; blank lines and '#' lines skipped), shared by the runner and validate.js.
'use strict';

function parseCsv(text, origin) {
  const rows = [];
  let row = [], field = '', quoted = false, started = false;
  const endField = () => { row.push(field); field = ''; started = false; };
  const endRow = () => {
    endField();
    const blank = row.length === 1 && row[0] === '';
    if (!blank && !row[0].startsWith('#')) rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; ++i; continue; }
      field += c; ++i; continue;
    }
    if (c === '"' && !started) { quoted = true; started = true; ++i; continue; }
    if (c === ',') { endField(); ++i; continue; }
    if (c === '\r' && text[i + 1] === '\n') { endRow(); i += 2; continue; }
    if (c === '\n') { endRow(); ++i; continue; }
    field += c; started = true; ++i;
  }
  if (quoted) throw new Error(`${origin}: unterminated quoted field`);
  if (field !== '' || row.length) endRow();
  return rows;
}

function csvField(v) {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Milliseconds with 6 significant digits, never in exponent notation.

// Rows after the header as objects keyed by the header's names.
function parseCsvObjects(text, origin) {
  const [header, ...body] = parseCsv(text, origin);
  return body.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
}

module.exports = {parseCsv, parseCsvObjects, csvField};
