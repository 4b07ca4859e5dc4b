import { SqlTypeError } from '../types/errors.js';
import { type SqlType, T } from '../types/sql-type.js';
import { toJsonValue } from '../types/values.js';
import type { ArgInfo, ScalarFunction } from './define.js';
import { builtin, constArg } from './helpers.js';

type Step = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };
/** A parsed SQL/JSON path. */
export interface JsonPath { strict: boolean; steps: Step[] }

/**
 * Parses the SQL/JSON path subset Flink's JSON functions take: optional `lax`/`strict`, then `$`
 * followed by `.key`, `."key"`, `['key']`, `[n]`, `[*]` or `.*`. Throws a `SyntaxError` otherwise.
 */
export function parseJsonPath(text: string): JsonPath {
  let s = text.trim();
  // without a mode prefix Flink (Calcite) uses strict mode
  let strict = true;
  const mode = /^(lax|strict)\s+/i.exec(s);
  if (mode) {
    strict = mode[1]!.toLowerCase() === 'strict';
    s = s.slice(mode[0].length);
  }
  if (!s.startsWith('$')) throw new SyntaxError(`Illegal jsonpath spec: ${text}, format of the spec should be: '<lax|strict> $'`);
  const steps: Step[] = [];
  let i = 1;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '.') {
      i++;
      if (s[i] === '*') { steps.push({ kind: 'wildcard' }); i++; continue; }
      if (s[i] === '"') {
        const end = s.indexOf('"', i + 1);
        if (end < 0) throw new SyntaxError(`Illegal jsonpath spec: ${text}`);
        steps.push({ kind: 'key', name: s.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
      const m = /^[A-Za-z_$][\w$]*/.exec(s.slice(i));
      if (!m) throw new SyntaxError(`Illegal jsonpath spec: ${text}`);
      steps.push({ kind: 'key', name: m[0] });
      i += m[0].length;
    } else if (c === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) throw new SyntaxError(`Illegal jsonpath spec: ${text}`);
      const inner = s.slice(i + 1, end).trim();
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'key', name: inner.slice(1, -1) });
      else throw new SyntaxError(`Illegal jsonpath spec: ${text}`);
      i = end + 1;
    } else if (c === ' ') i++;
    else throw new SyntaxError(`Illegal jsonpath spec: ${text}`);
  }
  return { strict, steps };
}

/** Values the path selects (several after a wildcard); `undefined` entries are dropped. */
export function evalJsonPath(doc: unknown, path: JsonPath): unknown[] {
  let cur: unknown[] = [doc];
  for (const st of path.steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (st.kind === 'key') {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, st.name)) next.push((v as Record<string, unknown>)[st.name]);
      } else if (st.kind === 'index') {
        if (Array.isArray(v) && st.index < v.length) next.push(v[st.index]);
      } else if (Array.isArray(v)) next.push(...v);
      else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
    }
    cur = next;
  }
  return cur;
}

function pathArg(args: ArgInfo[], i: number, fn: string): (p: string) => JsonPath {
  const c = constArg(args, i);
  if (typeof c === 'string') {
    let parsed: JsonPath;
    try {
      parsed = parseJsonPath(c);
    } catch (e) {
      throw new SqlTypeError(`${fn}: ${(e as Error).message}`);
    }
    return () => parsed;
  }
  const cache = new Map<string, JsonPath>();
  return (p) => {
    let r = cache.get(p);
    if (!r) {
      r = parseJsonPath(p);
      if (cache.size < 64) cache.set(p, r);
    }
    return r;
  };
}

function parseJson(s: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(s) };
  } catch {
    return { ok: false };
  }
}

/** JSON text of a scalar as JSON_VALUE returns it: strings unquoted, numbers and booleans as written. */
function scalarText(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function jsonOf(v: unknown, t: SqlType): unknown {
  return toJsonValue(v, t);
}

/**
 * JSON functions callable without SQL/JSON clauses. JSON_VALUE, JSON_QUERY, JSON_EXISTS with clauses
 * (RETURNING, ON EMPTY, ON ERROR, wrappers), JSON_OBJECT and JSON_ARRAY are compiled inline by the
 * expression compiler; these entries make the names known to the catalog.
 */
export const JSON_FUNCTIONS: ScalarFunction[] = [
  builtin({
    name: 'JSON_VALUE', args: ['string'], arity: [2, 2], form: 'JSON_VALUE(<STRING>, <STRING>)', returns: T.string(true),
    impl: (args) => {
      const path = pathArg(args, 1, 'JSON_VALUE');
      return (s: string, p: string) => {
        const doc = parseJson(s);
        if (!doc.ok) return null;
        const hits = evalJsonPath(doc.value, path(p));
        return hits.length === 1 ? scalarText(hits[0]) : null;
      };
    },
  }),
  builtin({
    name: 'JSON_QUERY', args: ['string'], arity: [2, 2], form: 'JSON_QUERY(<STRING>, <STRING>)', returns: T.string(true),
    impl: (args) => {
      const path = pathArg(args, 1, 'JSON_QUERY');
      return (s: string, p: string) => {
        const doc = parseJson(s);
        if (!doc.ok) return null;
        const parsed = path(p);
        const hits = evalJsonPath(doc.value, parsed);
        const wild = parsed.steps.some((x) => x.kind === 'wildcard');
        const v = wild ? hits : hits[0];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : null;
      };
    },
  }),
  builtin({
    name: 'JSON_EXISTS', args: ['string'], arity: [2, 2], form: 'JSON_EXISTS(<STRING>, <STRING>)', returns: T.boolean(false),
    impl: (args) => {
      const path = pathArg(args, 1, 'JSON_EXISTS');
      return (s: string, p: string) => {
        const doc = parseJson(s);
        return doc.ok && evalJsonPath(doc.value, path(p)).length > 0;
      };
    },
  }),
  builtin({
    name: 'JSON_STRING', args: ['any'], form: 'JSON_STRING(<ANY>)', returns: T.string(true),
    impl: (args) => {
      const t = args[0]!.type;
      return (v: unknown) => JSON.stringify(jsonOf(v, t));
    },
  }),
];
