/**
 * Lexer, parser and AST of weir's streaming SQL, the Flink SQL dialect.
 *
 * @example
 * import { parseScript, formatSqlError, SqlParseError } from './sql/parser/index.js';
 * try {
 *   const statements = parseScript(text);
 * } catch (e) {
 *   if (e instanceof SqlParseError) console.error(formatSqlError(e, text));
 * }
 */
export type * from './ast.js';
export { SqlParseError, formatSqlError } from './errors.js';
export { tokenize, type Token, type TokenKind } from './lexer.js';
export { parseScript, parseStatement, parseQuery, parseExpression, parseDataType } from './parser.js';
export { unparse, unparseScript, stripSpans, quoteIdent, quoteString } from './unparse.js';
export { RESERVED } from './keywords.js';
