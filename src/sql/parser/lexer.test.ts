import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './lexer.js';
import { SqlParseError } from './errors.js';

const kinds = (sql: string): string[] => tokenize(sql).map((t) => `${t.kind}:${t.value}`);

test('identifiers, quoted identifiers and keywords keep their text; upper is for keyword checks', () => {
  const toks = tokenize('select `My Col`, `a``b` FROM t');
  assert.deepEqual(toks.map((t) => [t.kind, t.value, t.upper]), [
    ['ident', 'select', 'SELECT'],
    ['quoted', 'My Col', 'My Col'],
    ['op', ',', ','],
    ['quoted', 'a`b', 'a`b'],
    ['ident', 'FROM', 'FROM'],
    ['ident', 't', 'T'],
    ['eof', '', ''],
  ]);
});

test("string literals with '' escapes and binary literals", () => {
  assert.deepEqual(kinds("'it''s' '' X'0aFF'"), ["string:it's", 'string:', 'binary:0aFF', 'eof:']);
});

test('numbers: integers, decimals, leading dot, exponents', () => {
  assert.deepEqual(kinds('1 0.908 .5 1e10 1.5E-3 2E+2 7.'), [
    'number:1', 'number:0.908', 'number:.5', 'number:1e10', 'number:1.5E-3', 'number:2E+2', 'number:7.', 'eof:',
  ]);
});

test('qualified names are not read as decimals', () => {
  assert.deepEqual(kinds('t1.c2'), ['ident:t1', 'op:.', 'ident:c2', 'eof:']);
});

test('operators, longest match first', () => {
  assert.deepEqual(kinds("a||b <> c != d <= e >= f => g :: h"), [
    'ident:a', 'op:||', 'ident:b', 'op:<>', 'ident:c', 'op:!=', 'ident:d', 'op:<=', 'ident:e', 'op:>=', 'ident:f',
    'op:=>', 'ident:g', 'op:::', 'ident:h', 'eof:',
  ]);
});

test('INTERVAL literal tokens', () => {
  assert.deepEqual(kinds("INTERVAL '5' SECOND"), ['ident:INTERVAL', 'string:5', 'ident:SECOND', 'eof:']);
});

test('comments are skipped and line/column are tracked across them', () => {
  const toks = tokenize("-- header\nSELECT /* a\nmulti-line */ x\n  FROM\tt -- trailing");
  const pos = toks.map((t) => `${t.value}@${t.line}:${t.column}`);
  assert.deepEqual(pos, ['SELECT@2:1', 'x@3:15', 'FROM@4:3', 't@4:8', '@4:21']);
});

test('line/column of tokens after a multi-line string', () => {
  const toks = tokenize("'a\nbc' x");
  assert.equal(toks[1]!.line, 2);
  assert.equal(toks[1]!.column, 5);
});

test('offsets cover the raw text', () => {
  const sql = "SELECT 'a''b' AS `c`";
  for (const t of tokenize(sql)) assert.equal(sql.slice(t.start, t.end), t.text);
});

test('lexical errors carry position and hint', () => {
  const cases: [string, number, number, RegExp][] = [
    ["SELECT 'abc", 1, 8, /unterminated string/],
    ['SELECT `abc', 1, 8, /unterminated quoted identifier/],
    ['SELECT 1 /* open', 1, 10, /unterminated comment/],
    ['SELECT\n  "col" FROM t', 2, 3, /double quotes/],
    ['SELECT 1abc', 1, 8, /malformed number/],
    ['SELECT a # b', 1, 10, /unexpected character '#'/],
  ];
  for (const [sql, line, column, msg] of cases) {
    assert.throws(() => tokenize(sql), (e: unknown) => {
      assert.ok(e instanceof SqlParseError, sql);
      assert.equal(e.line, line, sql);
      assert.equal(e.column, column, sql);
      assert.match(e.message, msg);
      return true;
    });
  }
});
