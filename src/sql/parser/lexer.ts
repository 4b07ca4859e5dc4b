import { SqlParseError } from './errors.js';

/** What a token is; keywords are identifiers whose `upper` the parser compares, so any word may still be a name. */
export type TokenKind =
  | 'ident'
  | 'quoted'
  | 'string'
  | 'binary'
  | 'number'
  | 'op'
  | 'eof';

/** One token with its place in the source: `start`/`end` are offsets, `line`/`column` 1-based. */
export interface Token {
  kind: TokenKind;
  /** The raw source text of the token. */
  text: string;
  /** The decoded value: the name for identifiers, the content for strings, the text for numbers and operators. */
  value: string;
  /** Upper-cased `value` for bare identifiers (keyword checks); same as `value` otherwise. */
  upper: string;
  start: number;
  end: number;
  line: number;
  column: number;
  /**
   * A `/*+ ... *\/` hint comment right before this token, kept so the parser can read it where Flink
   * allows hints (after SELECT, after a table name); elsewhere it is a comment like any other.
   */
  hint?: { body: string; bodyStart: number };
}

// Longest first, so `<=` wins over `<`.
const OPERATORS = [
  '<=>', '||', '<>', '!=', '<=', '>=', '=>', '::', '->',
  '(', ')', '[', ']', '{', '}', ',', ';', '.', '+', '-', '*', '/', '%', '=', '<', '>', '?', '|', '^', '$', ':', '&',
];
// Operators by first character, longest first, so matching one costs a couple of comparisons.
const OPERATORS_BY_FIRST = new Map<string, string[]>();
for (const op of OPERATORS) {
  const list = OPERATORS_BY_FIRST.get(op[0]!) ?? [];
  list.push(op);
  OPERATORS_BY_FIRST.set(op[0]!, list);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}

/**
 * Splits Flink SQL text into tokens, skipping whitespace and `--` / `/* *\/` comments.
 * Back-quoted identifiers use doubled back quotes for a literal one, strings doubled single quotes.
 *
 * @example
 * tokenize("SELECT `a` FROM t -- x").map((t) => t.value); // ['SELECT', 'a', 'FROM', 't', '']
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pendingHint: Token['hint'];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const n = source.length;
  const code = (i: number): number => (i < n ? source.charCodeAt(i) : -1);

  const fail = (message: string, at: number, atLine: number, atCol: number, hint?: string): never => {
    throw new SqlParseError(message, { source, offset: at, line: atLine, column: atCol, hint });
  };

  // Advances over [pos, to), keeping line bookkeeping right for tokens and comments spanning lines.
  const advanceTo = (to: number): void => {
    let nl = source.indexOf('\n', pos);
    while (nl >= 0 && nl < to) {
      line++;
      lineStart = nl + 1;
      nl = source.indexOf('\n', nl + 1);
    }
    pos = to;
  };

  // Reads a quoted run starting after the opening quote; a doubled quote stands for one.
  const quoted = (from: number, q: string, what: string, start: number, startLine: number, startCol: number, hint: string): [string, number] => {
    let i = from;
    let value = '';
    for (;;) {
      const e = source.indexOf(q, i);
      if (e < 0) return fail(`unterminated ${what}`, start, startLine, startCol, hint);
      value += source.slice(i, e);
      if (source[e + 1] === q) {
        value += q;
        i = e + 2;
        continue;
      }
      return [value, e + 1];
    }
  };

  while (pos < n) {
    const c = source.charCodeAt(pos);
    if (c === 32 || c === 9 || c === 13 || c === 12) {
      pos++;
      continue;
    }
    if (c === 10) {
      pos++;
      line++;
      lineStart = pos;
      continue;
    }
    const startLine = line;
    const startCol = pos - lineStart + 1;
    const start = pos;
    const push = (kind: TokenKind, end: number, value: string, upper = value): void => {
      const text = source.slice(start, end);
      if (kind === 'string' || kind === 'quoted' || kind === 'binary') advanceTo(end);
      else pos = end;
      const t: Token = { kind, text, value, upper, start, end, line: startLine, column: startCol };
      if (pendingHint) {
        t.hint = pendingHint;
        pendingHint = undefined;
      }
      tokens.push(t);
    };

    if (c === 45 && code(pos + 1) === 45) { // --
      const e = source.indexOf('\n', pos);
      pos = e < 0 ? n : e;
      continue;
    }
    if (c === 47 && code(pos + 1) === 42) { // /*
      const e = source.indexOf('*/', pos + 2);
      if (e < 0) fail('unterminated comment', start, startLine, startCol, "close the comment with '*/'");
      if (code(pos + 2) === 43) pendingHint = { body: source.slice(pos + 3, e), bodyStart: pos + 3 };
      advanceTo(e + 2);
      continue;
    }
    if (c === 39 || ((c === 88 || c === 120) && code(pos + 1) === 39)) { // ' or X'
      const binary = c !== 39;
      const [value, end] = quoted(binary ? pos + 2 : pos + 1, "'", 'string literal', start, startLine, startCol,
        "close the string with a single quote; write '' for a quote inside it");
      push(binary ? 'binary' : 'string', end, value);
      continue;
    }
    if (c === 96) { // `
      const [value, end] = quoted(pos + 1, '`', 'quoted identifier', start, startLine, startCol, 'close it with a back quote (`)');
      if (value === '') fail('empty quoted identifier', start, startLine, startCol, 'write a name between the back quotes');
      push('quoted', end, value);
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(code(pos + 1)))) {
      let i = pos;
      while (isDigit(code(i))) i++;
      if (code(i) === 46 && isDigit(code(i + 1))) {
        i++;
        while (isDigit(code(i))) i++;
      } else if (code(i) === 46 && !isIdentStart(code(i + 1))) {
        i++; // `1.` is a number; `t1.c` never gets here because it starts with a letter
      }
      const e = code(i);
      if ((e === 101 || e === 69) && isDigit(code(i + 1))) {
        i += 1;
        while (isDigit(code(i))) i++;
      } else if ((e === 101 || e === 69) && (code(i + 1) === 43 || code(i + 1) === 45) && isDigit(code(i + 2))) {
        i += 2;
        while (isDigit(code(i))) i++;
      }
      if (isIdentStart(code(i))) {
        let j = i;
        while (isIdentPart(code(j))) j++;
        fail(`malformed number '${source.slice(start, j)}'`, start, startLine, startCol,
          'an identifier cannot start with a digit; quote it with back quotes');
      }
      push('number', i, source.slice(start, i));
      continue;
    }
    if (isIdentStart(c)) {
      let i = pos + 1;
      while (isIdentPart(code(i))) i++;
      const value = source.slice(start, i);
      push('ident', i, value, value.toUpperCase());
      continue;
    }
    if (c === 34) {
      fail('double quotes are not used for strings or names in Flink SQL', start, startLine, startCol,
        "use single quotes for a string ('text') and back quotes for a name (`name`)");
    }
    const ch = source[pos]!;
    const op = OPERATORS_BY_FIRST.get(ch)?.find((o) => o.length === 1 || source.startsWith(o, pos));
    if (op === undefined) fail(`unexpected character '${ch}'`, start, startLine, startCol);
    push('op', pos + op!.length, op!);
  }
  const eof: Token = { kind: 'eof', text: '', value: '', upper: '', start: n, end: n, line, column: n - lineStart + 1 };
  if (pendingHint) eof.hint = pendingHint;
  tokens.push(eof);
  return tokens;
}
