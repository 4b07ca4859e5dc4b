import { UserError } from '../core/errors.js';

/** One CSV field as RFC 4180 writes it: quoted only when it holds a comma, quote or line break. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly unknown[]): string {
  return fields.map(csvField).join(',') + '\n';
}

/**
 * Parses CSV text (RFC 4180: quoted fields may hold commas, quotes as `""` and line breaks) into rows
 * of fields. Empty lines are skipped. `source` names the input in errors.
 */
export function parseCsv(text: string, source = 'CSV'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let fieldStarted = false;
  const endRow = () => {
    if (fieldStarted || row.length > 0) {
      row.push(field);
      rows.push(row);
    }
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new UserError(`${source} line ${line}: a quote inside an unquoted field`, { hint: 'quote the whole field and double inner quotes ("")' });
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new UserError(`${source}: a quoted field opened before line ${line} is never closed`);
  endRow();
  return rows;
}
