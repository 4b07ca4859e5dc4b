import { createHash, randomUUID } from 'node:crypto';
import { SqlRuntimeError, SqlTypeError } from '../types/errors.js';
import { type SqlType, MAX_LENGTH, T, typeToString } from '../types/sql-type.js';
import type { ArgInfo, ScalarFunction } from './define.js';
import { builtin, constArg } from './helpers.js';
import { javaRegex } from './patterns.js';

const S = (nullable = false): SqlType => T.string(nullable);
const sameString = (args: ArgInfo[]): SqlType => {
  const t = args[0]!.type;
  return t.kind === 'CHAR' || t.kind === 'VARCHAR' ? { ...t, nullable: false } : S();
};
const varcharOfArg = (args: ArgInfo[]): SqlType => {
  const t = args[0]!.type;
  return T.varchar(t.kind === 'CHAR' || t.kind === 'VARCHAR' ? Math.max(t.precision ?? 1, 1) : MAX_LENGTH, false);
};

/** Regex from a possibly constant pattern: compiled once when constant, checked for syntax at compile time. */
function regexArg(args: ArgInfo[], i: number, fn: string, flags = ''): ((p: string) => RegExp) {
  const c = constArg(args, i);
  if (typeof c === 'string') {
    let re: RegExp;
    try {
      re = javaRegex(c, flags);
    } catch (e) {
      throw new SqlTypeError(`Invalid regular expression '${c}' in ${fn}: ${(e as Error).message}`);
    }
    return () => re;
  }
  return (p) => {
    try {
      return javaRegex(p, flags);
    } catch (e) {
      throw new SqlRuntimeError(`Invalid regular expression '${p}' in ${fn}: ${(e as Error).message}`);
    }
  };
}

/**
 * Flink's SPLIT_INDEX split (commons-lang `splitByWholeSeparatorPreserveAllTokens`): an empty string
 * has no parts, and an empty separator splits at every whitespace character.
 */
function splitPreserveAllTokens(s: string, d: string): string[] {
  if (s === '') return [];
  if (d !== '') return s.split(d);
  return /\s/.test(s) ? s.split(/\s/) : [s];
}

function substringSql(s: string, pos: number, len?: number): string | null {
  if (len !== undefined && len < 0) return null;
  const n = s.length;
  let start: number;
  if (pos > 0) {
    start = pos - 1;
    if (start >= n) return '';
  } else if (pos < 0) {
    start = n + pos;
    if (start < 0) return '';
  } else start = 0;
  const end = len === undefined || n - start < len ? n : start + len;
  return s.slice(start, end);
}

function trimChars(s: string, chars: string, leading: boolean, trailing: boolean): string {
  let a = 0;
  let b = s.length;
  if (leading) while (a < b && chars.includes(s[a]!)) a++;
  if (trailing) while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function pad(s: string, len: number, p: string, left: boolean): string | null {
  if (len < 0 || p === '') return null;
  if (len <= s.length) return s.slice(0, len);
  let fill = '';
  while (fill.length < len - s.length) fill += p;
  fill = fill.slice(0, len - s.length);
  return left ? fill + s : s + fill;
}

function initcap(s: string): string {
  let out = '';
  let start = true;
  for (const c of s) {
    out += start ? c.toUpperCase() : c.toLowerCase();
    start = !/[\p{L}\p{N}]/u.test(c);
  }
  return out;
}

const hash = (alg: string) => (s: string | Uint8Array): string => createHash(alg).update(s).digest('hex');

/** Built-in string functions (Flink "String Functions"). */
export const STRING_FUNCTIONS: ScalarFunction[] = [
  builtin({ name: 'CHAR_LENGTH', args: ['string'], form: 'CHAR_LENGTH(<STRING>)', returns: T.int(false), impl: () => (s: string) => s.length }),
  builtin({ name: 'CHARACTER_LENGTH', args: ['string'], form: 'CHARACTER_LENGTH(<STRING>)', returns: T.int(false), impl: () => (s: string) => s.length }),
  builtin({ name: 'UPPER', args: ['string'], form: 'UPPER(<STRING>)', returns: sameString, impl: () => (s: string) => s.toUpperCase() }),
  builtin({ name: 'LOWER', args: ['string'], form: 'LOWER(<STRING>)', returns: sameString, impl: () => (s: string) => s.toLowerCase() }),
  builtin({ name: 'INITCAP', args: ['string'], form: 'INITCAP(<STRING>)', returns: sameString, impl: () => initcap }),
  builtin({ name: 'REVERSE', args: ['string'], form: 'REVERSE(<STRING>)', returns: S(), impl: () => (s: string) => [...s].reverse().join('') }),
  builtin({
    name: 'TRIM', args: ['string'], arity: [3, 3], form: 'TRIM([BOTH | LEADING | TRAILING] [chars] FROM <STRING>)', returns: varcharOfArg,
    impl: () => (side: string, chars: string, s: string) => trimChars(s, chars, side !== 'TRAILING', side !== 'LEADING'),
  }),
  builtin({ name: 'LTRIM', args: ['string'], arity: [1, 2], form: 'LTRIM(<STRING>[, <STRING>])', returns: varcharOfArg, impl: () => (s: string, c = ' ') => trimChars(s, c, true, false) }),
  builtin({ name: 'RTRIM', args: ['string'], arity: [1, 2], form: 'RTRIM(<STRING>[, <STRING>])', returns: varcharOfArg, impl: () => (s: string, c = ' ') => trimChars(s, c, false, true) }),
  builtin({ name: 'BTRIM', args: ['string'], arity: [1, 2], form: 'BTRIM(<STRING>[, <STRING>])', returns: varcharOfArg, impl: () => (s: string, c = ' ') => trimChars(s, c, true, true) }),
  builtin({
    name: 'SUBSTRING', args: ['string', 'integer'], arity: [2, 3], form: 'SUBSTRING(<STRING>, <INTEGER>[, <INTEGER>])',
    returns: (a) => ({ ...varcharOfArg(a), nullable: true }), impl: () => substringSql,
  }),
  builtin({
    name: 'SUBSTR', args: ['string', 'integer'], arity: [2, 3], form: 'SUBSTR(<STRING>, <INTEGER>[, <INTEGER>])',
    returns: (a) => ({ ...varcharOfArg(a), nullable: true }), impl: () => substringSql,
  }),
  builtin({
    name: 'OVERLAY', args: ['string', 'string', 'integer'], arity: [3, 4], form: 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> [FOR <INTEGER>])', returns: S(),
    impl: () => (s: string, r: string, from: number, len?: number) => {
      const l = len ?? r.length;
      return s.slice(0, Math.max(from - 1, 0)) + r + s.slice(Math.max(from - 1 + l, 0));
    },
  }),
  builtin({ name: 'POSITION', args: ['string'], arity: [2, 2], form: 'POSITION(<STRING> IN <STRING>)', returns: T.int(false), impl: () => (needle: string, hay: string) => hay.indexOf(needle) + 1 }),
  builtin({
    name: 'LOCATE', args: ['string', 'string', 'integer'], arity: [2, 3], form: 'LOCATE(<STRING>, <STRING>[, <INTEGER>])', returns: T.int(false),
    impl: () => (needle: string, hay: string, start = 1) => (start < 1 ? 0 : hay.indexOf(needle, start - 1) + 1),
  }),
  builtin({ name: 'INSTR', args: ['string'], arity: [2, 2], form: 'INSTR(<STRING>, <STRING>)', returns: T.int(false), impl: () => (s: string, sub: string) => s.indexOf(sub) + 1 }),
  builtin({ name: 'REPLACE', args: ['string'], arity: [3, 3], form: 'REPLACE(<STRING>, <STRING>, <STRING>)', returns: S(), impl: () => (s: string, a: string, b: string) => (a === '' ? s : s.split(a).join(b)) }),
  builtin({
    name: 'REGEXP_REPLACE', args: ['string'], arity: [3, 3], form: 'REGEXP_REPLACE(<STRING>, <STRING>, <STRING>)', returns: S(),
    impl: (args) => {
      const re = regexArg(args, 1, 'REGEXP_REPLACE', 'g');
      // Flink quotes the replacement (Matcher.quoteReplacement): `$1` and `\` are literal text, not group references.
      return (s: string, p: string, r: string) => s.replace(re(p), () => r);
    },
  }),
  builtin({
    name: 'REGEXP_EXTRACT', args: ['string', 'string', 'integer'], arity: [2, 3], form: 'REGEXP_EXTRACT(<STRING>, <STRING>[, <INTEGER>])', returns: S(true),
    impl: (args) => {
      const re = regexArg(args, 1, 'REGEXP_EXTRACT');
      return (s: string, p: string, idx = 0) => {
        const m = re(p).exec(s);
        if (!m || idx < 0 || idx >= m.length) return null;
        return m[idx] ?? null;
      };
    },
  }),
  builtin({
    name: 'REGEXP', args: ['string'], arity: [2, 2], form: 'REGEXP(<STRING>, <STRING>)', returns: T.boolean(false),
    impl: (args) => {
      const re = regexArg(args, 1, 'REGEXP');
      return (s: string, p: string) => re(p).test(s);
    },
  }),
  builtin({
    name: 'SPLIT_INDEX', args: ['string', 'string', 'integer'], form: 'SPLIT_INDEX(<STRING>, <STRING>, <INTEGER>)', returns: S(true),
    impl: () => (s: string, d: string, i: number) => {
      if (i < 0) return null;
      const parts = splitPreserveAllTokens(s, d);
      return i < parts.length ? parts[i]! : null;
    },
  }),
  builtin({
    name: 'SPLIT', args: ['string'], arity: [2, 2], form: 'SPLIT(<STRING>, <STRING>)', returns: T.array(S(true), false),
    impl: () => (s: string, d: string) => (d === '' ? [...s] : s.split(d)),
  }),
  builtin({ name: 'CONCAT', args: ['string'], arity: [1, Infinity], form: 'CONCAT(<STRING>, ...)', returns: S(), impl: () => (...xs: string[]) => xs.join('') }),
  builtin({
    name: 'CONCAT_WS', args: ['string'], arity: [1, Infinity], form: 'CONCAT_WS(<STRING>, <STRING>, ...)', strict: false,
    returns: (a) => S(a[0]!.type.nullable),
    impl: () => (sep: string | null, ...xs: (string | null)[]) => (sep === null ? null : xs.filter((x) => x !== null).join(sep)),
  }),
  builtin({ name: 'LPAD', args: ['string', 'integer', 'string'], form: 'LPAD(<STRING>, <INTEGER>, <STRING>)', returns: S(true), impl: () => (s: string, n: number, p: string) => pad(s, n, p, true) }),
  builtin({ name: 'RPAD', args: ['string', 'integer', 'string'], form: 'RPAD(<STRING>, <INTEGER>, <STRING>)', returns: S(true), impl: () => (s: string, n: number, p: string) => pad(s, n, p, false) }),
  builtin({ name: 'REPEAT', args: ['string', 'integer'], form: 'REPEAT(<STRING>, <INTEGER>)', returns: S(), impl: () => (s: string, n: number) => (n <= 0 ? '' : s.repeat(n)) }),
  builtin({ name: 'LEFT', args: ['string', 'integer'], form: 'LEFT(<STRING>, <INTEGER>)', returns: S(), impl: () => (s: string, n: number) => (n <= 0 ? '' : s.slice(0, n)) }),
  builtin({ name: 'RIGHT', args: ['string', 'integer'], form: 'RIGHT(<STRING>, <INTEGER>)', returns: S(), impl: () => (s: string, n: number) => (n <= 0 ? '' : s.slice(Math.max(s.length - n, 0))) }),
  builtin({ name: 'MD5', args: ['string'], form: 'MD5(<STRING>)', returns: T.char(32, false), impl: () => hash('md5') }),
  builtin({ name: 'SHA1', args: ['string'], form: 'SHA1(<STRING>)', returns: T.char(40, false), impl: () => hash('sha1') }),
  builtin({ name: 'SHA256', args: ['string'], form: 'SHA256(<STRING>)', returns: T.char(64, false), impl: () => hash('sha256') }),
  builtin({ name: 'SHA512', args: ['string'], form: 'SHA512(<STRING>)', returns: T.char(128, false), impl: () => hash('sha512') }),
  builtin({
    name: 'SHA2', args: ['string', 'integer'], form: 'SHA2(<STRING>, <INTEGER>)', returns: S(true),
    impl: () => (s: string, bits: number) => ({ 224: hash('sha224'), 256: hash('sha256'), 384: hash('sha384'), 512: hash('sha512') } as Record<number, (x: string) => string>)[bits]?.(s) ?? null,
  }),
  builtin({ name: 'TO_BASE64', args: ['string'], form: 'TO_BASE64(<STRING>)', returns: S(), impl: () => (s: string) => Buffer.from(s, 'utf8').toString('base64') }),
  builtin({ name: 'FROM_BASE64', args: ['string'], form: 'FROM_BASE64(<STRING>)', returns: S(), impl: () => (s: string) => Buffer.from(s, 'base64').toString('utf8') }),
  builtin({ name: 'ASCII', args: ['string'], form: 'ASCII(<STRING>)', returns: T.int(false), impl: () => (s: string) => (s.length === 0 ? 0 : s.charCodeAt(0)) }),
  builtin({ name: 'CHR', args: ['integer'], form: 'CHR(<INTEGER>)', returns: T.char(1, false), impl: () => (n: number) => (n < 0 ? '' : String.fromCharCode(n % 256)) }),
  builtin({
    name: 'STR_TO_MAP', args: ['string'], arity: [1, 3], form: 'STR_TO_MAP(<STRING>[, <STRING>, <STRING>])', returns: T.map(S(true), S(true), false),
    impl: () => (s: string, listDelim = ',', kvDelim = '=') => {
      const m = new Map<string, string | null>();
      const lre = javaRegex(listDelim);
      const kre = javaRegex(kvDelim);
      for (const entry of s.split(lre)) {
        const k = kre.exec(entry);
        if (!k) m.set(entry, null);
        else m.set(entry.slice(0, k.index), entry.slice(k.index + k[0].length));
      }
      return m;
    },
  }),
  builtin({
    name: 'TRANSLATE', args: ['string'], arity: [3, 3], form: 'TRANSLATE(<STRING>, <STRING>, <STRING>)', returns: S(),
    impl: () => (s: string, from: string, to: string) => {
      let out = '';
      for (const c of s) {
        const i = from.indexOf(c);
        out += i < 0 ? c : (to[i] ?? '');
      }
      return out;
    },
  }),
  builtin({ name: 'UUID', args: [], form: 'UUID()', returns: T.char(36, false), deterministic: false, impl: () => () => randomUUID() }),
  builtin({
    name: 'TYPEOF', args: ['any', 'boolean'], arity: [1, 2], form: 'TYPEOF(<ANY>[, <BOOLEAN>])', returns: S(), strict: false,
    impl: (args) => {
      const text = typeToString(args[0]!.type);
      return () => text;
    },
  }),
];
