import { WeirError } from '../../core/errors.js';
import { SqlParseError, formatSqlError } from '../parser/index.js';
import type { Span } from '../parser/index.js';
import { SqlTypeError } from '../types/errors.js';

/**
 * A planning error at a place in the script: the same class as a parse error, so `formatSqlError`
 * prints line, column, caret and hint for both.
 */
export function planError(source: string, span: Span | undefined, message: string, hint?: string): SqlParseError {
  const s = span ?? { start: 0, end: 0, line: 1, column: 1 };
  return new SqlParseError(message, { source, offset: s.start, line: s.line, column: s.column, hint });
}

/** The construct is valid Flink SQL that weir does not run yet: say so rather than give a different answer. */
export function unsupported(source: string, span: Span | undefined, construct: string, hint?: string): SqlParseError {
  return planError(source, span, `${construct} is not supported by weir yet`, hint ?? 'see docs/sql-differences.md for what weir runs');
}

/** Turns a type error with a span into a positioned SQL error; other errors pass through. */
export function positioned(err: unknown, source: string): unknown {
  if (err instanceof SqlTypeError && err.span && !(err instanceof SqlParseError)) {
    const msg = err.message.replace(/ \(line \d+, column \d+\)$/, '');
    return planError(source, err.span, msg, err.hint);
  }
  return err;
}

/** Renders any error of a SQL script for a person (caret for positioned ones). */
export function describeSqlError(err: unknown, source?: string): string {
  if (err instanceof SqlParseError) return formatSqlError(err, source);
  if (err instanceof WeirError) return `error: ${err.describe()}`;
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}
