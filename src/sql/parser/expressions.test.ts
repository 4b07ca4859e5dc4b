import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as A from './ast.js';
import { parseExpression } from './parser.js';
import { stripSpans, unparse } from './unparse.js';

/** Fully parenthesised rendering so tests can see the tree shape the parser chose. */
function sx(e: A.Expr): string {
  switch (e.kind) {
    case 'Binary': return `(${sx(e.left)} ${e.op} ${sx(e.right)})`;
    case 'Unary': return `(${e.op} ${sx(e.operand)})`;
    case 'Is': return `(${sx(e.operand)} IS ${e.not ? 'NOT ' : ''}${e.test})`;
    case 'IsDistinctFrom': return `(${sx(e.left)} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${sx(e.right)})`;
    case 'Between': return `(${sx(e.operand)} ${e.not ? 'NOT ' : ''}BETWEEN${e.symmetric ? ' SYMMETRIC' : ''} ${sx(e.low)} ${sx(e.high)})`;
    case 'InList': return `(${sx(e.operand)} ${e.not ? 'NOT ' : ''}IN [${e.values.map(sx).join(', ')}])`;
    case 'Like': return `(${sx(e.operand)} ${e.not ? 'NOT ' : ''}${e.op} ${sx(e.pattern)}${e.escape ? ` ESCAPE ${sx(e.escape)}` : ''})`;
    case 'FunctionCall': return `${e.name.join('.')}(${e.args.map(sx).join(', ')})`;
    default: return unparse(e);
  }
}

const p = (s: string): string => sx(parseExpression(s));

test('arithmetic precedence and left associativity', () => {
  assert.equal(p('1 + 2 * 3'), '(1 + (2 * 3))');
  assert.equal(p('(1 + 2) * 3'), '((1 + 2) * 3)');
  assert.equal(p('a - b - c'), '((a - b) - c)');
  assert.equal(p('a / b % c'), '((a / b) % c)');
  assert.equal(p('-a * b'), '((- a) * b)');
  assert.equal(p('- - a'), '(- (- a))');
  assert.equal(p("'a' || 'b' || c"), "(('a' || 'b') || c)");
});

test('boolean precedence: OR < AND < NOT < comparison', () => {
  assert.equal(p('a OR b AND c'), '(a OR (b AND c))');
  assert.equal(p('NOT a = 1 AND b'), '((NOT (a = 1)) AND b)');
  assert.equal(p('a = 1 OR NOT b > 2'), '((a = 1) OR (NOT (b > 2)))');
  assert.equal(p('a + 1 >= b * 2'), '((a + 1) >= (b * 2))');
  assert.equal(p('x <> 1 AND y != 2'), '((x <> 1) AND (y != 2))');
  assert.equal(p('NOT NOT a'), '(NOT (NOT a))');
});

test('IS tests', () => {
  assert.equal(p('a IS NULL'), '(a IS NULL)');
  assert.equal(p('a IS NOT NULL AND b IS TRUE'), '((a IS NOT NULL) AND (b IS TRUE))');
  assert.equal(p('a IS NOT FALSE'), '(a IS NOT FALSE)');
  assert.equal(p('a IS UNKNOWN'), '(a IS UNKNOWN)');
  assert.equal(p('a + 1 IS DISTINCT FROM b'), '((a + 1) IS DISTINCT FROM b)');
  assert.equal(p('a IS NOT DISTINCT FROM b + 1'), '(a IS NOT DISTINCT FROM (b + 1))');
});

test('BETWEEN binds its AND; NOT BETWEEN; SYMMETRIC', () => {
  assert.equal(p('a BETWEEN 1 AND 2 AND b'), '((a BETWEEN 1 2) AND b)');
  assert.equal(p('a NOT BETWEEN b - 1 AND b + 1'), '(a NOT BETWEEN (b - 1) (b + 1))');
  assert.equal(p('a BETWEEN SYMMETRIC 5 AND 1'), '(a BETWEEN SYMMETRIC 5 1)');
  assert.equal(p("B.`dateTime` BETWEEN B1.`dateTime` - INTERVAL '10' SECOND AND B1.`dateTime`"),
    "(B.dateTime BETWEEN (B1.dateTime - INTERVAL '10' SECOND) B1.dateTime)");
});

test('IN lists and subqueries, LIKE, SIMILAR TO, EXISTS', () => {
  assert.equal(p("lower(c) in ('a', 'b')"), "(lower(c) IN ['a', 'b'])");
  assert.equal(p('a NOT IN (1, 2, 3)'), '(a NOT IN [1, 2, 3])');
  const sub = parseExpression('a IN (SELECT id FROM t WHERE x > 0)');
  assert.equal(sub.kind, 'InSubquery');
  const nsub = parseExpression('a NOT IN (SELECT id FROM t)');
  assert.ok(nsub.kind === 'InSubquery' && nsub.not);
  assert.equal(p("name LIKE 'a%'"), "(name LIKE 'a%')");
  assert.equal(p("name NOT LIKE 'a!%%' ESCAPE '!'"), "(name NOT LIKE 'a!%%' ESCAPE '!')");
  assert.equal(p("name SIMILAR TO '[a-z]+'"), "(name SIMILAR TO '[a-z]+')");
  assert.equal(p("name NOT SIMILAR TO 'x'"), "(name NOT SIMILAR TO 'x')");
  const ex = parseExpression('NOT EXISTS (SELECT 1 FROM t WHERE t.id = o.id)');
  assert.ok(ex.kind === 'Unary' && ex.operand.kind === 'Exists');
});

test('CASE simple and searched', () => {
  const s = parseExpression("CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END");
  assert.ok(s.kind === 'Case' && s.operand !== undefined && s.whens.length === 2 && s.else !== undefined);
  const q = parseExpression('CASE WHEN a > 1 THEN 1 END');
  assert.ok(q.kind === 'Case' && q.operand === undefined && q.else === undefined);
  assert.equal(unparse(q), 'CASE WHEN a > 1 THEN 1 END');
});

test('CAST and TRY_CAST with types', () => {
  const c = parseExpression('CAST(a AS DECIMAL(10, 2))');
  assert.deepEqual(stripSpans(c), {
    kind: 'Cast', try: false,
    expr: { kind: 'Identifier', parts: ['a'] },
    type: { kind: 'PrimitiveType', name: 'DECIMAL', precision: 10, scale: 2, nullable: true },
  });
  const t = parseExpression('TRY_CAST(s AS INT)');
  assert.ok(t.kind === 'Cast' && t.try);
  assert.equal(unparse(parseExpression('cast(x as varchar(10) not null)')), 'CAST(x AS VARCHAR(10) NOT NULL)');
});

test('literals', () => {
  const lit = (s: string): unknown => stripSpans(parseExpression(s));
  assert.deepEqual(lit('42'), { kind: 'NumberLiteral', value: '42' });
  assert.deepEqual(lit('1.5e3'), { kind: 'NumberLiteral', value: '1.5e3' });
  assert.deepEqual(lit("'x'"), { kind: 'StringLiteral', value: 'x' });
  assert.deepEqual(lit('TRUE'), { kind: 'BooleanLiteral', value: true });
  assert.deepEqual(lit('false'), { kind: 'BooleanLiteral', value: false });
  assert.deepEqual(lit('NULL'), { kind: 'NullLiteral' });
  assert.deepEqual(lit("DATE '2024-01-31'"), { kind: 'TypedLiteral', type: 'DATE', value: '2024-01-31' });
  assert.deepEqual(lit("TIME '12:00:01'"), { kind: 'TypedLiteral', type: 'TIME', value: '12:00:01' });
  assert.deepEqual(lit("TIMESTAMP '2024-01-31 10:00:00.123'"),
    { kind: 'TypedLiteral', type: 'TIMESTAMP', value: '2024-01-31 10:00:00.123' });
  assert.deepEqual(lit("X'0aff'"), { kind: 'BinaryLiteral', value: '0AFF' });
});

test('interval literals: units, plurals, precision, ranges, sign', () => {
  const iv = (s: string): unknown => stripSpans(parseExpression(s));
  assert.deepEqual(iv("INTERVAL '5' SECOND"),
    { kind: 'IntervalLiteral', value: '5', negative: false, qualifier: { start: 'SECOND' } });
  assert.deepEqual(iv("INTERVAL '10' MINUTES"),
    { kind: 'IntervalLiteral', value: '10', negative: false, qualifier: { start: 'MINUTE' } });
  assert.deepEqual(iv("INTERVAL '10' SECOND(3)"),
    { kind: 'IntervalLiteral', value: '10', negative: false, qualifier: { start: 'SECOND', startPrecision: 3 } });
  assert.deepEqual(iv("INTERVAL '1 02:03' DAY(2) TO MINUTE"),
    { kind: 'IntervalLiteral', value: '1 02:03', negative: false, qualifier: { start: 'DAY', startPrecision: 2, end: 'MINUTE' } });
  assert.deepEqual(iv("INTERVAL '2-10' YEAR TO MONTH"),
    { kind: 'IntervalLiteral', value: '2-10', negative: false, qualifier: { start: 'YEAR', end: 'MONTH' } });
  assert.deepEqual(iv("INTERVAL -'1' HOUR"),
    { kind: 'IntervalLiteral', value: '1', negative: true, qualifier: { start: 'HOUR' } });
  assert.equal(p("ts - INTERVAL '5' SECOND"), "(ts - INTERVAL '5' SECOND)");
});

test('function calls: DISTINCT, *, FILTER, OVER, qualified names', () => {
  const c = parseExpression('COUNT(*)');
  assert.ok(c.kind === 'FunctionCall' && c.args[0]!.kind === 'Star');
  const d = parseExpression('count(DISTINCT bidder) FILTER (WHERE price < 10000)');
  assert.ok(d.kind === 'FunctionCall' && d.distinct && d.filter?.kind === 'Binary');
  const o = parseExpression('SUM(x) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL \'1\' HOUR PRECEDING AND CURRENT ROW)');
  assert.ok(o.kind === 'FunctionCall' && typeof o.over === 'object');
  if (o.kind === 'FunctionCall' && typeof o.over === 'object') {
    assert.equal(o.over.frame?.unit, 'RANGE');
    assert.equal(o.over.frame?.start.kind, 'Preceding');
    assert.equal(o.over.frame?.end?.kind, 'CurrentRow');
  }
  const w = parseExpression('AVG(x) OVER w');
  assert.ok(w.kind === 'FunctionCall' && w.over === 'w');
  const q = parseExpression('mycat.mydb.f(1, 2)');
  assert.ok(q.kind === 'FunctionCall' && q.name.join('.') === 'mycat.mydb.f');
  assert.equal(p('PROCTIME()'), 'PROCTIME()');
  assert.equal(p('LEFT(s, 3)'), 'LEFT(s, 3)');
  const rows = parseExpression('ROW_NUMBER() OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)');
  assert.ok(rows.kind === 'FunctionCall' && typeof rows.over === 'object' && rows.over.frame?.end?.kind === 'UnboundedFollowing');
});

test('special syntax functions', () => {
  assert.deepEqual(stripSpans(parseExpression('EXTRACT(YEAR FROM ts)')),
    { kind: 'Extract', unit: 'YEAR', source: { kind: 'Identifier', parts: ['ts'] } });
  const t1 = parseExpression("TRIM(BOTH ' ' FROM s)");
  assert.ok(t1.kind === 'Trim' && t1.side === 'BOTH' && t1.chars?.kind === 'StringLiteral');
  const t2 = parseExpression('TRIM(LEADING FROM s)');
  assert.ok(t2.kind === 'Trim' && t2.side === 'LEADING' && t2.chars === undefined);
  const t3 = parseExpression('TRIM(s)');
  assert.ok(t3.kind === 'Trim' && t3.side === undefined);
  const pos = parseExpression("POSITION('a' IN s)");
  assert.ok(pos.kind === 'Position');
  const sub = parseExpression('SUBSTRING(s FROM 2 FOR 3)');
  assert.ok(sub.kind === 'Substring' && sub.for !== undefined);
  const subc = parseExpression('SUBSTRING(s, 2, 3)');
  assert.ok(subc.kind === 'FunctionCall' && subc.args.length === 3);
  const ov = parseExpression("OVERLAY(s PLACING 'x' FROM 2 FOR 1)");
  assert.ok(ov.kind === 'Overlay');
  for (const n of ['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIME', 'LOCALTIMESTAMP']) {
    assert.deepEqual(stripSpans(parseExpression(n.toLowerCase())), { kind: 'BuiltinValue', name: n });
  }
  assert.deepEqual(stripSpans(parseExpression('FLOOR(ts TO HOUR)')),
    { kind: 'FloorCeil', fn: 'FLOOR', source: { kind: 'Identifier', parts: ['ts'] }, unit: 'HOUR' });
  const ceil = parseExpression('ceiling(ts to day)');
  assert.ok(ceil.kind === 'FloorCeil' && ceil.fn === 'CEIL' && unparse(ceil) === 'CEIL(ts TO DAY)');
  assert.equal(parseExpression('FLOOR(x / 2)').kind, 'FunctionCall');
  const nowish = parseExpression('CURRENT_WATERMARK(ts)');
  assert.equal(nowish.kind, 'FunctionCall');
});

test('constructors, item access and field access', () => {
  const arr = parseExpression('ARRAY[1, 2, 3]');
  assert.ok(arr.kind === 'ArrayConstructor' && arr.elements.length === 3);
  const map = parseExpression("MAP['k1', 1, 'k2', 2]");
  assert.ok(map.kind === 'MapConstructor' && map.entries.length === 2);
  const row = parseExpression("ROW(1, 'a')");
  assert.ok(row.kind === 'RowConstructor' && row.explicit);
  const implicit = parseExpression('(1, 2)');
  assert.ok(implicit.kind === 'RowConstructor' && !implicit.explicit);
  assert.equal(unparse(parseExpression('a[1]')), 'a[1]');
  const m = parseExpression("m['k'].f");
  assert.ok(m.kind === 'FieldAccess' && m.target.kind === 'Subscript');
  const q = parseExpression('person.`dateTime`');
  assert.deepEqual(stripSpans(q), { kind: 'Identifier', parts: ['person', 'dateTime'] });
  const f = parseExpression('f(x).y[2]');
  assert.ok(f.kind === 'Subscript' && f.target.kind === 'FieldAccess');
  const st = parseExpression('t.*');
  assert.deepEqual(stripSpans(st), { kind: 'Star', qualifier: ['t'] });
  assert.deepEqual(stripSpans(parseExpression('?')), { kind: 'Parameter', index: 0 });
});

test('non-reserved keywords stay usable as names', () => {
  for (const n of ['key', 'value', 'final', 'window_start', 'window_end', 'model', 'input', 'filter', 'user', 'day']) {
    assert.deepEqual(stripSpans(parseExpression(n)), { kind: 'Identifier', parts: [n] }, n);
  }
  assert.deepEqual(stripSpans(parseExpression('`from`')), { kind: 'Identifier', parts: ['from'] });
});

test('spans point at the source', () => {
  const text = 'a + foo(b, c)';
  const e = parseExpression(text);
  assert.ok(e.kind === 'Binary');
  assert.equal(text.slice(e.span.start, e.span.end), text);
  assert.equal(text.slice(e.right.span.start, e.right.span.end), 'foo(b, c)');
  assert.equal(e.right.span.column, 5);
});

test('SQL/JSON functions and their clauses', () => {
  const rt = (text: string): A.FunctionCall => {
    const e = parseExpression(text);
    assert.deepEqual(stripSpans(parseExpression(unparse(e))), stripSpans(e), unparse(e));
    assert.equal(e.kind, 'FunctionCall');
    return e as A.FunctionCall;
  };
  assert.equal(rt("JSON_VALUE(j, '$.a')").json, undefined);
  const v = rt("JSON_VALUE(j, '$.a' RETURNING INTEGER DEFAULT -1 ON EMPTY ERROR ON ERROR)");
  assert.equal(v.args.length, 2);
  assert.equal(unparse(v.json!.returning!), 'INT');
  assert.equal(v.json!.onEmpty?.kind, 'DEFAULT');
  assert.equal(v.json!.onError?.kind, 'ERROR');
  const q = rt("JSON_QUERY(j, '$.a' WITH CONDITIONAL ARRAY WRAPPER EMPTY ARRAY ON EMPTY NULL ON ERROR)");
  assert.deepEqual([q.json!.wrapper, q.json!.onEmpty?.kind, q.json!.onError?.kind], ['CONDITIONAL', 'EMPTY ARRAY', 'NULL']);
  assert.equal(rt("JSON_QUERY(j, '$' WITH WRAPPER)").json!.wrapper, 'UNCONDITIONAL');
  assert.equal(rt("JSON_QUERY(j, '$' WITHOUT WRAPPER)").json!.wrapper, 'WITHOUT');
  assert.equal(rt("JSON_EXISTS(j, '$.a' FALSE ON ERROR)").json!.onError?.kind, 'FALSE');
  const o = rt("JSON_OBJECT(KEY 'a' VALUE 1, 'b' VALUE JSON_ARRAY(1, NULL ABSENT ON NULL) NULL ON NULL)");
  assert.ok(o.json?.keyValue && o.json.onNull === 'NULL' && o.args.length === 4);
  const inner = o.args[3] as A.FunctionCall;
  assert.equal(inner.json?.onNull, 'ABSENT');
  assert.equal(rt('JSON_OBJECT()').args.length, 0);
  assert.equal(rt('JSON_ARRAY(NULL ON NULL)').args.length, 0);
  const agg = rt('JSON_OBJECTAGG(KEY k VALUE v ABSENT ON NULL)');
  assert.ok(agg.json?.keyValue && agg.args.length === 2);
  assert.equal(rt('JSON_ARRAYAGG(x ABSENT ON NULL)').json?.onNull, 'ABSENT');
});
