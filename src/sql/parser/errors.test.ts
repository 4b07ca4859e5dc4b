import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../core/errors.js';
import { SqlParseError, formatSqlError } from './errors.js';
import { parseScript } from './parser.js';

interface Case {
  sql: string;
  line: number;
  column: number;
  message: RegExp;
  hint?: string | RegExp;
}

const cases: Case[] = [
  { sql: 'SELEC * FROM t', line: 1, column: 1, message: /unknown statement starting with 'SELEC'/, hint: 'did you mean SELECT?' },
  { sql: 'SELECT a FORM t', line: 1, column: 15, message: /unexpected 't'/, hint: "'FORM' was read as an alias; did you mean FROM?" },
  { sql: 'SELECT a, FROM t', line: 1, column: 11, message: /expected a select item but found FROM/, hint: "remove the trailing ',' before FROM" },
  {
    sql: 'SELECT a\nFROM t\nWHERE (a > 1\n  AND b < 2', line: 4, column: 12, message: /expected '\)' but found end of input/,
    hint: "expected ')' to close the '(' at line 3, column 7",
  },
  {
    sql: 'SELECT COUNT(a FROM t', line: 1, column: 16, message: /arguments of COUNT/,
    hint: "expected ')' to close the '(' at line 1, column 13",
  },
  { sql: 'CREATE TABEL t (a INT)', line: 1, column: 8, message: /after CREATE/, hint: 'did you mean TABLE?' },
  { sql: 'CREATE TABLE t (\n  a INT\n  b STRING\n)', line: 3, column: 3, message: /expected ',' or '\)'/, hint: /separate column definitions/ },
  { sql: "CREATE TABLE t (a INTT) WITH ('connector'='x')", line: 1, column: 19, message: /unknown data type 'INTT'/, hint: 'did you mean INT?' },
  { sql: "CREATE TABLE t (a INT) WITH (connector = 'kafka')", line: 1, column: 30, message: /option key/, hint: /quoted strings/ },
  { sql: 'SELECT * FROM t WHERE', line: 1, column: 22, message: /unexpected end of input, expected an expression/ },
  { sql: 'SELECT a FROM t GROUP a', line: 1, column: 23, message: /expected BY/ },
  { sql: 'SELECT a FROM t ORDR BY a', line: 1, column: 22, message: /unexpected BY/, hint: /did you mean ORDER\?/ },
  { sql: 'SELECT a FROM t GROUP BY a ORDR BY a', line: 1, column: 28, message: /unexpected 'ORDR'/, hint: 'did you mean ORDER?' },
  { sql: 'SELECT a::INT FROM t', line: 1, column: 9, message: /no '::' cast/, hint: 'write CAST(expr AS type)' },
  { sql: 'SELECT CASE WHEN a THEN 1 FROM t', line: 1, column: 27, message: /expected END/, hint: 'close the CASE at line 1, column 8 with END' },
  { sql: 'INSERT t SELECT 1', line: 1, column: 8, message: /expected INTO/ },
  {
    sql: "SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL 10 SECOND))", line: 1, column: 62,
    message: /quoted interval value/, hint: "write INTERVAL '10' followed by a unit, e.g. SECOND",
  },
  { sql: "SELECT a FROM t;\nSELECT b FROM u WHERE x = 'abc", line: 2, column: 27, message: /unterminated string/ },
  { sql: 'SELECT a FROM t)', line: 1, column: 16, message: /unexpected '\)'/, hint: "this ')' has no matching '('" },
  { sql: 'SELECT a b c FROM t', line: 1, column: 12, message: /unexpected 'c'/, hint: /'b' was read as an alias/ },
  { sql: 'SELECT * FROM t JOIN u WHERE x', line: 1, column: 24, message: /expected ON or USING/ },
  { sql: 'SHOW TABLS', line: 1, column: 6, message: /after SHOW/, hint: 'did you mean TABLES?' },
  { sql: 'SELECT a FROM t WHERE a IS 5', line: 1, column: 28, message: /after IS/ },
  { sql: 'SELECT\tfrom FROM t', line: 1, column: 8, message: /expected a select item but found FROM/ },
  { sql: 'CREATE TABLE t (id INT, PRIMARY KEY (id))', line: 1, column: 41, message: /NOT ENFORCED/, hint: /NOT ENFORCED/ },
  { sql: 'SELECT * FROM t LIMIT', line: 1, column: 22, message: /unexpected end of input/ },
  { sql: 'DROP TABEL t', line: 1, column: 6, message: /after DROP/, hint: 'did you mean TABLE?' },
];

test('broken inputs report line, column, caret and hint', () => {
  for (const c of cases) {
    assert.throws(() => parseScript(c.sql), (e: unknown) => {
      assert.ok(e instanceof SqlParseError, `${c.sql}: ${String(e)}`);
      assert.ok(e instanceof UserError);
      assert.equal(e.domain, 'user');
      assert.deepEqual([e.line, e.column], [c.line, c.column], c.sql);
      assert.match(e.message, c.message, c.sql);
      if (typeof c.hint === 'string') assert.equal(e.hint, c.hint, c.sql);
      else if (c.hint) assert.match(e.hint ?? '', c.hint, c.sql);
      // The caret sits under the reported column of the reported line.
      const line = c.sql.split('\n')[c.line - 1]!;
      assert.equal(e.sourceLine, line);
      assert.equal(e.caret.length, c.column);
      assert.ok(e.caret.endsWith('^'));
      return true;
    }, c.sql);
  }
});

test('formatSqlError shows context line, numbered source line, caret and hint', () => {
  const sql = 'SELECT a\nFROM t\nWHERE (a > 1\n  AND b < 2';
  try {
    parseScript(sql);
    assert.fail('should have thrown');
  } catch (e) {
    assert.ok(e instanceof SqlParseError);
    assert.equal(formatSqlError(e, sql), [
      "SQL error: expected ')' but found end of input (line 4, column 12)",
      '3 | WHERE (a > 1',
      '4 |   AND b < 2',
      '  |            ^',
      "hint: expected ')' to close the '(' at line 3, column 7",
    ].join('\n'));
    // Without the source text the offending line is still shown.
    assert.equal(formatSqlError(e).split('\n').length, 4);
    assert.equal(e.describe(), formatSqlError(e));
  }
});

test('carets line up under tabs', () => {
  try {
    parseScript('SELECT\t\tfoo(');
    assert.fail('should have thrown');
  } catch (e) {
    assert.ok(e instanceof SqlParseError);
    assert.equal(e.caret, '      \t\t    ^');
  }
});

// Every prefix and every one-token deletion of a realistic script must either parse or fail with a
// SqlParseError that points inside the text: never a TypeError, never a hang.
const SCRIPT = `CREATE TABLE t (a INT NOT NULL, m MAP<STRING, ARRAY<INT>>, ts AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (a) NOT ENFORCED) WITH ('k' = 'v');
EXECUTE STATEMENT SET BEGIN INSERT INTO s SELECT a, COUNT(DISTINCT b) FILTER (WHERE c > 1) OVER (PARTITION BY a ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
FROM TABLE(SESSION(TABLE t PARTITION BY a, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) AS w(x) LEFT JOIN u FOR SYSTEM_TIME AS OF w.ts ON u.k = w.a
WHERE CASE WHEN a BETWEEN 1 AND 2 THEN TRUE ELSE b NOT IN (1, 2) END GROUP BY a HAVING SUM(a) > 0; END;
SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY a ORDER BY ts MEASURES LAST(A.a) AS la ONE ROW PER MATCH
  AFTER MATCH SKIP TO NEXT ROW PATTERN (A B{1,3}? (C | D)*) WITHIN INTERVAL '1' HOUR DEFINE A AS A.a > 0) AS mr
UNION ALL SELECT CAST(x AS DECIMAL(5, 2)), m['k'][1], ROW(1, 'a'), TRIM(LEADING 'x' FROM s) FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(a)) ORDER BY 1 LIMIT 3;`;

test('prefixes and single-token deletions never crash the parser', async () => {
  const { tokenize } = await import('./lexer.js');
  const toks = tokenize(SCRIPT).filter((t) => t.kind !== 'eof');
  const check = (text: string): void => {
    try {
      parseScript(text);
    } catch (e) {
      assert.ok(e instanceof SqlParseError, `${String(e)} for:\n${text}`);
      assert.ok(e.line >= 1 && e.column >= 1, text);
      assert.ok(e.offset >= 0 && e.offset <= text.length, text);
    }
  };
  assert.doesNotThrow(() => parseScript(SCRIPT));
  for (const t of toks) check(SCRIPT.slice(0, t.end));
  for (const t of toks) check(SCRIPT.slice(0, t.start) + SCRIPT.slice(t.end));
});

test('absurd nesting is a parse error, not a stack overflow', () => {
  for (const sql of [
    `SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`,
    `SELECT ${'- '.repeat(5000)}1`,
    `SELECT ${'NOT '.repeat(5000)}a`,
    `SELECT CAST(a AS ${'ARRAY<'.repeat(3000)}INT${'>'.repeat(3000)})`,
    `SELECT * FROM ${'('.repeat(3000)}t${')'.repeat(3000)}`,
    `SELECT * FROM ${'(SELECT * FROM '.repeat(3000)}t${')'.repeat(3000)}`,
  ]) {
    assert.throws(() => parseScript(sql), (e: unknown) => e instanceof SqlParseError && /nesting deeper/.test(e.message));
  }
  // Reasonable depth still parses.
  assert.doesNotThrow(() => parseScript(`SELECT ${'('.repeat(50)}1${')'.repeat(50)}`));
});
