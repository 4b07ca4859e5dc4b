import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type * as A from './ast.js';
import { parseExpression, parseScript, parseDataType } from './parser.js';
import { stripSpans, unparse, unparseScript } from './unparse.js';

const NO_SPAN: A.Span = { start: 0, end: 0, line: 1, column: 1 };

test('unparse output is canonical and stable', () => {
  const cases: [string, string][] = [
    ['select a+b*c as x from t where not a=1 or b is not null', 'SELECT a + b * c AS x FROM t WHERE NOT a = 1 OR b IS NOT NULL'],
    ['SELECT (a + b) * c FROM t', 'SELECT (a + b) * c FROM t'],
    ['SELECT a - (b - c), (a - b) - c FROM t', 'SELECT a - (b - c), a - b - c FROM t'],
    ['SELECT - -1, -(a + 1) FROM t', 'SELECT -(-1), -(a + 1) FROM t'],
    ['SELECT (NOT a) = b FROM t', 'SELECT (NOT a) = b FROM t'],
    ['SELECT `from`, `a b`, `x``y`, `current_date`, current_date FROM `select`', 'SELECT `from`, `a b`, `x``y`, `current_date`, CURRENT_DATE FROM `select`'],
    ["SELECT 'it''s' FROM t", "SELECT 'it''s' FROM t"],
    ['SELECT (a).b, a.b FROM t', 'SELECT (a).b, a.b FROM t'],
    ['select * from a, b join c on true', 'SELECT * FROM a, b JOIN c ON TRUE'],
    ["SELECT INTERVAL '1' HOURS", "SELECT INTERVAL '1' HOUR"],
  ];
  for (const [input, out] of cases) {
    const s = parseScript(input);
    assert.equal(unparseScript(s), `${out};`, input);
    assert.equal(unparseScript(parseScript(unparseScript(s))), `${out};`, input);
  }
});

// ---- property: random expression trees survive unparse -> parse

const names = fc.constantFrom('a', 'b', 'Price', 'key', 'value', 'from', 'a b', 'x`y', 'current_date', 'select', 'window_end', 'ARRAY');
const ident: fc.Arbitrary<A.Expr> = fc.array(names, { minLength: 1, maxLength: 3 })
  .map((parts) => ({ kind: 'Identifier', parts, span: NO_SPAN }));
const literal: fc.Arbitrary<A.Expr> = fc.oneof(
  fc.nat({ max: 1000 }).map((n) => ({ kind: 'NumberLiteral', value: String(n), span: NO_SPAN }) as A.Expr),
  fc.constantFrom('1.5', '0.908', '2e3').map((v) => ({ kind: 'NumberLiteral', value: v, span: NO_SPAN }) as A.Expr),
  fc.string({ maxLength: 6 }).map((v) => ({ kind: 'StringLiteral', value: v, span: NO_SPAN }) as A.Expr),
  fc.boolean().map((v) => ({ kind: 'BooleanLiteral', value: v, span: NO_SPAN }) as A.Expr),
  fc.constant({ kind: 'NullLiteral', span: NO_SPAN } as A.Expr),
  fc.constantFrom('SECOND', 'MINUTE', 'HOUR').map((u) => ({
    kind: 'IntervalLiteral', value: '5', negative: false, qualifier: { start: u as A.TimeUnit }, span: NO_SPAN,
  }) as A.Expr),
);
const binOps: A.BinaryOperator[] = ['OR', 'AND', '=', '<>', '<', '>=', '+', '-', '*', '/', '%', '||'];

const { expr } = fc.letrec<{ expr: A.Expr }>((tie) => {
  const e = tie('expr');
  return {
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      ident,
      literal,
      fc.record({ op: fc.constantFrom(...binOps), left: e, right: e })
        .map(({ op, left, right }) => ({ kind: 'Binary', op, left, right, span: NO_SPAN }) as A.Expr),
      fc.record({ op: fc.constantFrom('NOT', '-'), operand: e })
        .map(({ op, operand }) => ({ kind: 'Unary', op, operand, span: NO_SPAN }) as A.Expr),
      fc.record({ operand: e, not: fc.boolean(), test: fc.constantFrom('NULL', 'TRUE', 'FALSE') })
        .map((r) => ({ kind: 'Is', ...r, span: NO_SPAN }) as A.Expr),
      fc.record({ operand: e, low: e, high: e, not: fc.boolean(), symmetric: fc.boolean() })
        .map((r) => ({ kind: 'Between', ...r, span: NO_SPAN }) as A.Expr),
      fc.record({ operand: e, values: fc.array(e, { minLength: 1, maxLength: 3 }), not: fc.boolean() })
        .map((r) => ({ kind: 'InList', ...r, span: NO_SPAN }) as A.Expr),
      fc.record({ operand: e, pattern: e, not: fc.boolean(), op: fc.constantFrom('LIKE', 'SIMILAR TO') })
        .map((r) => ({ kind: 'Like', ...r, span: NO_SPAN }) as A.Expr),
      fc.record({ left: e, right: e, not: fc.boolean() })
        .map((r) => ({ kind: 'IsDistinctFrom', ...r, span: NO_SPAN }) as A.Expr),
      fc.record({ whens: fc.array(fc.record({ when: e, then: e }), { minLength: 1, maxLength: 2 }), else: e })
        .map((r) => ({ kind: 'Case', ...r, span: NO_SPAN }) as A.Expr),
      fc.record({ name: fc.constantFrom(['f'], ['LEFT'], ['cat', 'g'], ['count']), args: fc.array(e, { maxLength: 3 }), distinct: fc.boolean() })
        .map((r) => ({ kind: 'FunctionCall', ...r, name: [...r.name], span: NO_SPAN }) as A.Expr),
      e.map((x) => ({ kind: 'Cast', expr: x, type: parseDataType('ROW<a INT NOT NULL, b ARRAY<STRING>>'), try: false, span: NO_SPAN }) as A.Expr),
      fc.record({ target: e, index: e }).map((r) => ({ kind: 'Subscript', ...r, span: NO_SPAN }) as A.Expr),
      fc.record({ target: e, field: names }).map((r) => ({ kind: 'FieldAccess', ...r, span: NO_SPAN }) as A.Expr),
      fc.array(e, { minLength: 2, maxLength: 3 }).map((fields) => ({ kind: 'RowConstructor', fields, explicit: false, span: NO_SPAN }) as A.Expr),
      fc.array(e, { maxLength: 3 }).map((elements) => ({ kind: 'ArrayConstructor', elements, span: NO_SPAN }) as A.Expr),
    ),
  };
});

test('property: random expression trees survive unparse -> parse', () => {
  fc.assert(
    fc.property(expr, (e) => {
      const text = unparse(e);
      const back = parseExpression(text);
      assert.deepEqual(stripSpans(back), stripSpans(e), text);
    }),
    { numRuns: 400, seed: 20261121 },
  );
});
