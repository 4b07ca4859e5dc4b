import { UserError } from '../../core/errors.js';

/** Where a parse error happened; `line` and `column` are 1-based. */
export interface SqlErrorPosition {
  source: string;
  offset: number;
  line: number;
  column: number;
  hint?: string | undefined;
}

/**
 * A syntax error in SQL text, pointing at the offending line and column.
 * `sourceLine` and `caret` are ready to print under each other; `describe()` shows all of it.
 */
export class SqlParseError extends UserError {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** The full text of the source line the error is on. */
  readonly sourceLine: string;
  /** Spaces then `^` under `column` of `sourceLine` (tabs kept so the caret lines up). */
  readonly caret: string;

  constructor(message: string, pos: SqlErrorPosition) {
    super(`${message} (line ${pos.line}, column ${pos.column})`, { origin: 'sql', hint: pos.hint });
    this.name = 'SqlParseError';
    this.line = pos.line;
    this.column = pos.column;
    this.offset = pos.offset;
    this.sourceLine = pos.source.split(/\r?\n/)[pos.line - 1] ?? '';
    this.caret = caretFor(this.sourceLine, pos.column);
  }

  override describe(): string {
    return formatSqlError(this);
  }
}

function caretFor(line: string, column: number): string {
  let pad = '';
  for (let i = 0; i < column - 1; i++) pad += line[i] === '\t' ? '\t' : ' ';
  return `${pad}^`;
}

/**
 * Renders a parse error for a person: message, the source line with its number, a caret under the
 * column and the hint. `sourceText` is optional because the error already carries its line; pass it
 * to show the line before the offending one as context.
 *
 * @example
 * try { parseScript(sql); } catch (e) { if (e instanceof SqlParseError) console.error(formatSqlError(e, sql)); }
 */
export function formatSqlError(err: SqlParseError, sourceText?: string): string {
  const width = String(err.line).length;
  const gutter = (n: number | null): string => `${n === null ? ' '.repeat(width) : String(n).padStart(width)} | `;
  const out: string[] = [`SQL error: ${err.message}`];
  if (sourceText !== undefined && err.line > 1) {
    const prev = sourceText.split(/\r?\n/)[err.line - 2];
    if (prev !== undefined && prev.trim() !== '') out.push(gutter(err.line - 1) + prev);
  }
  out.push(gutter(err.line) + err.sourceLine);
  out.push(gutter(null) + err.caret);
  if (err.hint) out.push(`hint: ${err.hint}`);
  return out.join('\n');
}
