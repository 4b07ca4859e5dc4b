import { UserError } from '../../core/errors.js';
import { booleanOption } from '../options.js';
import type { ResolvedOptions } from '../options.js';
import type { ColumnSchema, Row } from '../schema.js';
import { SqlRuntimeError } from '../../sql/types/errors.js';
import { parseValue, toJsonValue } from '../../sql/types/values.js';

/** Decodes one line of a file into a row; returns null to skip the line (ignore-parse-errors). */
export type LineDecoder = (line: string, file: string, lineNo: number) => Row | null;
export type RowEncoder = (row: Row) => string;

function parseError(file: string, lineNo: number, field: string | undefined, reason: string, option: string): UserError {
  const where = field === undefined ? '' : ` field "${field}":`;
  return new UserError(`malformed record in ${file} line ${lineNo}:${where} ${reason}`, {
    origin: 'connector:filesystem', hint: `fix the record, or skip bad records with '${option}' = 'true'`,
  });
}

// parseValue names the field itself; the connector's message names it once, before the reason.
function reasonOf(e: unknown, field: string): string {
  const msg = e instanceof SqlRuntimeError || e instanceof Error ? e.message : String(e);
  return msg.startsWith(`field '${field}': `) ? msg.slice(field.length + 10) : msg;
}

/** Flink's json format: one object per line, fields by column name, missing fields NULL. */
export function jsonDecoder(columns: ColumnSchema[], options: ResolvedOptions): LineDecoder {
  const ignore = booleanOption(options, 'json.ignore-parse-errors', false);
  const failOnMissing = booleanOption(options, 'json.fail-on-missing-field', false);
  const n = columns.length;
  return (line, file, lineNo) => {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      if (ignore) return null;
      throw parseError(file, lineNo, undefined, `not valid JSON (${(e as Error).message})`, 'json.ignore-parse-errors');
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      if (ignore) return null;
      throw parseError(file, lineNo, undefined, 'expected a JSON object', 'json.ignore-parse-errors');
    }
    const rec = obj as Record<string, unknown>;
    const row = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const c = columns[i]!;
      const v = rec[c.name];
      if (v === undefined && failOnMissing) {
        if (ignore) return null;
        throw parseError(file, lineNo, c.name, 'field is missing', 'json.ignore-parse-errors');
      }
      try {
        row[i] = parseValue(v, c.type, c.name);
      } catch (e) {
        if (ignore) return null;
        throw parseError(file, lineNo, c.name, reasonOf(e, c.name), 'json.ignore-parse-errors');
      }
    }
    return row;
  };
}

export function jsonEncoder(columns: ColumnSchema[]): RowEncoder {
  return (row) => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) obj[columns[i]!.name] = toJsonValue(row[i], columns[i]!.type);
    return JSON.stringify(obj);
  };
}

/** Splits one CSV line (RFC 4180 quoting with `quote`, doubled quotes escape). */
export function splitCsv(line: string, delimiter: string, quote: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inQuotes) {
      if (ch === quote) {
        if (line[i + 1] === quote) { cur += quote; i++; } else inQuotes = false;
      } else cur += ch;
    } else if (ch === quote) inQuotes = true;
    else if (ch === delimiter) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Flink's csv format: fields by position, no header. */
export function csvDecoder(columns: ColumnSchema[], options: ResolvedOptions): LineDecoder {
  const ignore = booleanOption(options, 'csv.ignore-parse-errors', false);
  const delimiter = options.get('csv.field-delimiter') ?? ',';
  const quote = options.get('csv.quote-character') ?? '"';
  const nullLiteral = options.get('csv.null-literal');
  const allowComments = booleanOption(options, 'csv.allow-comments', false);
  return (line, file, lineNo) => {
    if (allowComments && line.startsWith('#')) return null;
    const parts = splitCsv(line, delimiter, quote);
    if (parts.length !== columns.length) {
      if (ignore) return null;
      throw parseError(file, lineNo, undefined, `expected ${columns.length} fields, found ${parts.length}`, 'csv.ignore-parse-errors');
    }
    const row = new Array<unknown>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const text = parts[i]!;
      try {
        const t = columns[i]!.type;
        if (nullLiteral !== undefined && text === nullLiteral) row[i] = null;
        else if (text === '' && t.kind !== 'VARCHAR' && t.kind !== 'CHAR') {
          // Flink's csv format fails on an empty number or timestamp unless a null literal is set.
          if (ignore) return null;
          throw parseError(file, lineNo, columns[i]!.name, `empty value for ${t.kind} (set 'csv.null-literal' = '' to read empty fields as NULL)`, 'csv.ignore-parse-errors');
        } else row[i] = parseValue(text, t, columns[i]!.name);
      } catch (e) {
        if (ignore) return null;
        throw parseError(file, lineNo, columns[i]!.name, reasonOf(e, columns[i]!.name), 'csv.ignore-parse-errors');
      }
    }
    return row;
  };
}

export function csvEncoder(columns: ColumnSchema[], options: ResolvedOptions): RowEncoder {
  const delimiter = options.get('csv.field-delimiter') ?? ',';
  const quote = options.get('csv.quote-character') ?? '"';
  const nullLiteral = options.get('csv.null-literal') ?? '';
  return (row) => columns.map((c, i) => {
    const v = toJsonValue(row[i], c.type);
    if (v === null) return nullLiteral;
    const s = String(v);
    return s.includes(delimiter) || s.includes(quote) || s.includes('\n') ? `${quote}${s.split(quote).join(quote + quote)}${quote}` : s;
  }).join(delimiter);
}
