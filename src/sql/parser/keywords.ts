/**
 * Words that can never be a bare name (table, column, alias): they would make clauses ambiguous.
 * Every other keyword of the dialect is contextual, so `key`, `value`, `final` or `window_start` stay
 * usable as names. Quote a reserved word with back quotes to use it as a name (`` `from` ``).
 */
export const RESERVED = new Set([
  'ALL', 'AND', 'AS', 'BETWEEN', 'BY', 'CASE', 'CAST', 'CREATE', 'CROSS', 'DISTINCT', 'DROP', 'ELSE', 'END',
  'ESCAPE', 'EXCEPT', 'EXISTS', 'FALSE', 'FETCH', 'FOR', 'FROM', 'FULL', 'GROUP', 'HAVING', 'IN', 'INNER',
  'INSERT', 'INTERSECT', 'INTERVAL', 'INTO', 'IS', 'JOIN', 'LATERAL', 'LEFT', 'LIKE', 'LIMIT', 'MATCH_RECOGNIZE',
  'MINUS', 'NATURAL', 'NOT', 'NULL', 'OFFSET', 'ON', 'OR', 'ORDER', 'OUTER', 'OVER', 'PARTITION', 'RIGHT',
  'SELECT', 'SIMILAR', 'TABLE', 'THEN', 'TRUE', 'UNION', 'UNNEST', 'USING', 'VALUES', 'WHEN', 'WHERE',
  'WINDOW', 'WITH',
]);

/** Reserved words that still name a function when followed by `(` (`LEFT(s, 3)`). */
export const RESERVED_FUNCTIONS = new Set(['LEFT', 'RIGHT', 'INSERT']);

/** SQL functions called without parentheses. */
export const NILADIC = new Set([
  'CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIME', 'LOCALTIMESTAMP',
]);

/** Words a statement can start with; used for "did you mean" hints. */
export const STATEMENT_KEYWORDS = [
  'SELECT', 'INSERT', 'CREATE', 'SET', 'RESET', 'EXPLAIN', 'SHOW', 'DESCRIBE', 'DESC', 'DROP', 'WITH', 'VALUES',
  'EXECUTE', 'BEGIN', 'USE',
];

/** Words that may follow a finished clause; used for "did you mean" hints. */
export const CLAUSE_KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'INTERSECT', 'EXCEPT',
  'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'ON', 'USING', 'WINDOW', 'AS', 'AND', 'OR', 'NOT', 'BETWEEN',
  'LIKE', 'IN', 'IS', 'MATCH_RECOGNIZE', 'PARTITION', 'BY', 'OVER', 'WITH', 'VALUES', 'INTO', 'TABLE', 'LATERAL',
  'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'DISTINCT', 'PARTITIONED', 'COMMENT', 'WATERMARK', 'PRIMARY', 'KEY',
  'NOT', 'ENFORCED', 'METADATA', 'VIRTUAL', 'DESC', 'ASC', 'NULLS', 'FIRST', 'LAST',
];

/** Type names for "did you mean" on an unknown type. */
export const TYPE_NAMES = [
  'BOOLEAN', 'TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT', 'FLOAT', 'REAL', 'DOUBLE', 'DECIMAL', 'DEC',
  'NUMERIC', 'CHAR', 'CHARACTER', 'VARCHAR', 'STRING', 'BINARY', 'VARBINARY', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP',
  'TIMESTAMP_LTZ', 'INTERVAL', 'ARRAY', 'MAP', 'MULTISET', 'ROW',
];

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), so FORM is one edit from FROM. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([i]);
  }
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate to `word` within a small edit distance, or undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toUpperCase();
  if (w.length < 2) return undefined;
  const limit = w.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === w) return undefined;
    const dist = editDistance(w, c);
    if (dist <= limit && dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  return best;
}
