import { UserError } from '../../core/errors.js';
import type { Span } from '../parser/index.js';

/**
 * A type or name error found while compiling a SQL expression: an unknown column, an operator applied
 * to the wrong types, a bad CAST target. `span` points at the offending node so the planner can print
 * the source line with a caret (see `formatSqlError` in the parser for the layout).
 */
export class SqlTypeError extends UserError {
  readonly span: Span | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, span?: Span, hint?: string) {
    super(span ? `${message} (line ${span.line}, column ${span.column})` : message, { origin: 'sql', hint });
    this.name = 'SqlTypeError';
    this.span = span;
    this.line = span?.line;
    this.column = span?.column;
  }
}

/**
 * Renders a `SqlTypeError` for a person in the parser's layout: message, the source line with its
 * number, a caret under the column, and the hint.
 *
 * @example
 * try { compileExpr(expr, scope, catalog); } catch (e) { if (e instanceof SqlTypeError) console.error(formatTypeError(e, sql)); }
 */
export function formatTypeError(err: SqlTypeError, sourceText: string): string {
  const out = [`SQL error: ${err.message}`];
  if (err.line !== undefined && err.column !== undefined) {
    const line = sourceText.split(/\r?\n/)[err.line - 1] ?? '';
    const width = String(err.line).length;
    let pad = '';
    for (let i = 0; i < err.column - 1; i++) pad += line[i] === '\t' ? '\t' : ' ';
    out.push(`${err.line} | ${line}`, `${' '.repeat(width)} | ${pad}^`);
  }
  if (err.hint) out.push(`hint: ${err.hint}`);
  return out.join('\n');
}

/**
 * A value that cannot be converted at run time, e.g. `CAST('abc' AS INT)`. It names the value and
 * the target type; TRY_CAST turns it into NULL instead.
 */
export class SqlRuntimeError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, { origin: 'sql', hint });
    this.name = 'SqlRuntimeError';
  }
}
