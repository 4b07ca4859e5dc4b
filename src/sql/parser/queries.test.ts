import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as A from './ast.js';
import { parseQuery } from './parser.js';
import { stripSpans, unparse } from './unparse.js';
import { SqlParseError } from './errors.js';

/** Parses, checks the round trip, returns the tree. */
function q(sql: string): A.Query {
  const tree = parseQuery(sql);
  assert.deepEqual(stripSpans(parseQuery(unparse(tree))), stripSpans(tree), unparse(tree));
  return tree;
}

function select(sql: string): A.Select {
  const tree = q(sql);
  assert.equal(tree.body.kind, 'Select');
  return tree.body as A.Select;
}

test('select list: *, t.*, aliases with and without AS, DISTINCT', () => {
  const s = select('SELECT DISTINCT *, t.*, a AS x, b y, c + 1 `z z` FROM t');
  assert.equal(s.distinct, true);
  assert.deepEqual(s.items.map((i) => [i.expr.kind, i.alias]), [
    ['Star', undefined], ['Star', undefined], ['Identifier', 'x'], ['Identifier', 'y'], ['Binary', 'z z'],
  ]);
  assert.equal(select('SELECT ALL a FROM t').distinct, false);
  assert.equal(select('SELECT 1').from, undefined);
});

test('FROM: table aliases with column lists, subqueries with and without alias', () => {
  const s = select('SELECT * FROM cat.db.t AS x (a, b)');
  assert.deepEqual(stripSpans(s.from), { kind: 'NamedTable', name: ['cat', 'db', 't'], alias: { name: 'x', columns: ['a', 'b'] } });
  const d = select('SELECT * FROM (SELECT a FROM t) sub');
  assert.ok(d.from?.kind === 'DerivedTable' && d.from.alias?.name === 'sub');
  const n = select('SELECT * FROM (SELECT a FROM t) WHERE a > 1');
  assert.ok(n.from?.kind === 'DerivedTable' && n.from.alias === undefined && n.where !== undefined);
  const nested = select('SELECT * FROM ((SELECT a FROM t) UNION ALL (SELECT a FROM u)) v');
  assert.ok(nested.from?.kind === 'DerivedTable' && nested.from.query.body.kind === 'SetOperation');
});

test('joins of every kind, comma joins, USING, parenthesised joins', () => {
  const s = select(`SELECT * FROM a
    JOIN b ON a.id = b.id
    INNER JOIN c ON c.id = a.id
    LEFT JOIN d ON d.id = a.id
    LEFT OUTER JOIN e ON TRUE
    RIGHT JOIN f USING (id)
    FULL OUTER JOIN g ON g.id = a.id
    CROSS JOIN h, i`);
  const types: string[] = [];
  let r: A.TableRef | undefined = s.from;
  while (r?.kind === 'Join') {
    types.unshift(r.joinType);
    r = r.left;
  }
  assert.deepEqual(types, ['INNER', 'INNER', 'LEFT', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'COMMA']);
  const p = select('SELECT * FROM (a JOIN b ON a.x = b.x) JOIN c ON c.y = a.y');
  assert.ok(p.from?.kind === 'Join' && p.from.left.kind === 'ParenTable');
});

test('temporal join: FOR SYSTEM_TIME AS OF on a table reference', () => {
  const s = select(`SELECT o.order_id, r.rate FROM orders AS o
    LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency`);
  assert.ok(s.from?.kind === 'Join');
  const right = (s.from as A.JoinRef).right;
  assert.ok(right.kind === 'NamedTable' && right.forSystemTime?.kind === 'Identifier' && right.alias?.name === 'r');
});

test('window TVFs with and without TABLE(...), positional and named arguments', () => {
  const t = select("SELECT * FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))");
  assert.ok(t.from?.kind === 'TableFunction' && t.from.tableWrapper);
  const call = (t.from as A.TableFunctionRef).call;
  assert.deepEqual(call.args.map((a) => a.kind), ['TableArgument', 'Descriptor', 'IntervalLiteral']);
  const bare = select("SELECT * FROM TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES, INTERVAL '1' MINUTES)");
  assert.ok(bare.from?.kind === 'TableFunction' && !bare.from.tableWrapper && bare.from.call.args.length === 4);
  const named = select(`SELECT * FROM TABLE(TUMBLE(DATA => TABLE Bid, TIMECOL => DESCRIPTOR(bidtime),
    SIZE => INTERVAL '10' MINUTES, \`OFFSET\` => INTERVAL '1' MINUTES))`);
  const nargs = (named.from as A.TableFunctionRef).call.args;
  assert.deepEqual(nargs.map((a) => (a.kind === 'NamedArgument' ? `${a.name}:${a.value.kind}` : a.kind)),
    ['DATA:TableArgument', 'TIMECOL:Descriptor', 'SIZE:IntervalLiteral', 'OFFSET:IntervalLiteral']);
  const hop = select("SELECT * FROM TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))");
  assert.equal((hop.from as A.TableFunctionRef).call.name[0], 'HOP');
  const cum = select("SELECT * FROM TABLE(CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))");
  assert.equal((cum.from as A.TableFunctionRef).call.name[0], 'CUMULATE');
});

test('SESSION with PARTITION BY inside the table argument', () => {
  const s = select("SELECT * FROM TABLE(SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))");
  const arg = (s.from as A.TableFunctionRef).call.args[0]!;
  assert.ok(arg.kind === 'TableArgument');
  assert.deepEqual(stripSpans(arg.partitionBy), [{ kind: 'Identifier', parts: ['item'] }]);
  const multi = select("SELECT * FROM TABLE(SESSION(TABLE Bid PARTITION BY (item, region), DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))");
  const marg = (multi.from as A.TableFunctionRef).call.args[0]!;
  assert.ok(marg.kind === 'TableArgument' && marg.partitionBy.length === 2);
  assert.equal((multi.from as A.TableFunctionRef).call.args.length, 3);
});

test('ML_PREDICT with TABLE, MODEL, DESCRIPTOR and a config MAP', () => {
  const s = select("SELECT * FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text, lang), MAP['async', 'true'])");
  const call = (s.from as A.TableFunctionRef).call;
  assert.deepEqual(call.args.map((a) => a.kind), ['TableArgument', 'ModelArgument', 'Descriptor', 'MapConstructor']);
  const d = call.args[2] as A.Descriptor;
  assert.deepEqual(d.columns, ['text', 'lang']);
  const named = select(`SELECT id, label FROM TABLE(ML_PREDICT(INPUT => TABLE reviews, MODEL => MODEL cat.db.sentiment,
    ARGS => DESCRIPTOR(text), CONFIG => MAP['timeout', '10s']))`);
  const m = (named.from as A.TableFunctionRef).call.args[1] as A.NamedArgument;
  assert.deepEqual(stripSpans(m.value), { kind: 'ModelArgument', name: ['cat', 'db', 'sentiment'] });
});

test('LATERAL TABLE(udtf), UNNEST, CROSS JOIN UNNEST', () => {
  const s = select('SELECT o.id, t.word FROM orders o, LATERAL TABLE(split(o.text)) AS t(word)');
  const right = (s.from as A.JoinRef).right;
  assert.ok(right.kind === 'TableFunction' && right.lateral && right.tableWrapper && right.alias?.columns?.[0] === 'word');
  const l = select('SELECT * FROM orders LEFT JOIN LATERAL TABLE(split(text)) AS t(w) ON TRUE');
  assert.equal((l.from as A.JoinRef).joinType, 'LEFT');
  const u = select('SELECT o.id, tag FROM orders o CROSS JOIN UNNEST(o.tags) AS t (tag)');
  const ur = (u.from as A.JoinRef).right;
  assert.ok(ur.kind === 'Unnest' && ur.args.length === 1 && ur.alias?.name === 't');
  const wo = select('SELECT * FROM UNNEST(ARRAY[1, 2]) WITH ORDINALITY AS t(v, i)');
  assert.ok(wo.from?.kind === 'Unnest' && wo.from.withOrdinality);
});

test('WHERE, GROUP BY with GROUPING SETS / ROLLUP / CUBE, HAVING', () => {
  const s = select(`SELECT a, b, SUM(c) FROM t WHERE c > 0
    GROUP BY GROUPING SETS ((a, b), (a), ()), ROLLUP (a, b), CUBE (b)
    HAVING SUM(c) > 10`);
  assert.deepEqual(s.groupBy.map((g) => g.kind), ['GroupingSets', 'Rollup', 'Cube']);
  const gs = s.groupBy[0] as A.GroupingSets;
  assert.deepEqual(gs.items.map((i) => i.kind), ['RowConstructor', 'Identifier', 'EmptyGroup']);
  assert.equal(s.having?.kind, 'Binary');
  const legacy = select("SELECT b, COUNT(*) FROM bid GROUP BY b, SESSION(ts, INTERVAL '10' SECOND)");
  assert.equal(legacy.groupBy[1]!.kind, 'FunctionCall');
});

test('OVER windows and named WINDOW clauses', () => {
  const s = select(`SELECT SUM(x) OVER w, AVG(x) OVER (w2 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
      COUNT(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)
    FROM t
    WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), w2 AS (ORDER BY ts)`);
  assert.deepEqual(s.windows.map((w) => w.name), ['w', 'w2']);
  const second = s.items[1]!.expr as A.FunctionCall;
  assert.ok(typeof second.over === 'object' && second.over.base === 'w2');
  const short = select('SELECT SUM(x) OVER (ORDER BY ts ROWS 10 PRECEDING) FROM t');
  const over = (short.items[0]!.expr as A.FunctionCall).over as A.WindowSpec;
  assert.ok(over.frame?.end === undefined && over.frame?.start.kind === 'Preceding');
});

test('ORDER BY, LIMIT, OFFSET / FETCH', () => {
  const t = q('SELECT a FROM t ORDER BY a DESC NULLS LAST, b ASC, c LIMIT 10');
  assert.deepEqual(t.orderBy.map((o) => [o.direction, o.nulls]), [['DESC', 'LAST'], ['ASC', undefined], [undefined, undefined]]);
  assert.deepEqual(stripSpans(t.limit), { kind: 'NumberLiteral', value: '10' });
  const f = q('SELECT a FROM t ORDER BY a OFFSET 5 ROWS FETCH FIRST 3 ROWS ONLY');
  assert.deepEqual([unparse(f.offset!), unparse(f.limit!)], ['5', '3']);
  const lo = q('SELECT a FROM t LIMIT 3 OFFSET 1');
  assert.ok(lo.limit && lo.offset);
});

test('set operations: UNION [ALL], INTERSECT binds tighter, EXCEPT, parenthesised operands', () => {
  const u = q('SELECT a FROM t UNION SELECT a FROM u UNION ALL SELECT a FROM v');
  assert.ok(u.body.kind === 'SetOperation' && u.body.all && u.body.left.kind === 'SetOperation' && !u.body.left.all);
  const i = q('SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v');
  assert.ok(i.body.kind === 'SetOperation' && i.body.op === 'UNION' && i.body.right.kind === 'SetOperation'
    && i.body.right.op === 'INTERSECT');
  const e = q('(SELECT a FROM t EXCEPT SELECT a FROM u) INTERSECT SELECT a FROM v');
  assert.ok(e.body.kind === 'SetOperation' && e.body.left.kind === 'Query');
  const o = q('SELECT a FROM t UNION ALL SELECT b FROM u ORDER BY 1 LIMIT 5');
  assert.ok(o.body.kind === 'SetOperation' && o.orderBy.length === 1 && o.limit);
});

test('WITH common table expressions', () => {
  const t = q('WITH a AS (SELECT 1 AS x), b (y) AS (SELECT x FROM a) SELECT * FROM b');
  assert.deepEqual(t.with.map((c) => [c.name, c.columns]), [['a', undefined], ['b', ['y']]]);
});

test('VALUES as a query', () => {
  const t = q("VALUES (1, 'a'), (2, 'b')");
  assert.ok(t.body.kind === 'Values' && t.body.rows.length === 2 && t.body.rows[0]!.length === 2);
});

test('scalar subqueries, EXISTS and IN subqueries inside a query', () => {
  const s = select('SELECT (SELECT MAX(x) FROM u) AS m FROM t WHERE EXISTS (SELECT 1 FROM v WHERE v.id = t.id) AND id IN (SELECT id FROM w)');
  assert.equal(s.items[0]!.expr.kind, 'Subquery');
});

test('MATCH_RECOGNIZE with every clause', () => {
  const s = select(`SELECT * FROM Ticker MATCH_RECOGNIZE (
      PARTITION BY symbol
      ORDER BY rowtime
      MEASURES
        FIRST(A.rowtime) AS start_ts,
        LAST(C.rowtime) AS end_ts,
        AVG(B.price) AS avg_price,
        MATCH_ROWTIME() AS mrt
      ALL ROWS PER MATCH
      AFTER MATCH SKIP TO FIRST C
      PATTERN (A B+ C*? D{2,3} E{2} F{2,} G? (H | I)+ J??) WITHIN INTERVAL '1' HOUR
      SUBSET BC = (B, C)
      DEFINE
        A AS A.price > 10,
        B AS B.price < LAST(B.price, 1) OR LAST(B.price, 1) IS NULL,
        C AS C.price > PREV(C.price)
    ) AS T`);
  const mr = s.from as A.MatchRecognizeRef;
  assert.equal(mr.kind, 'MatchRecognize');
  assert.equal(mr.input.kind, 'NamedTable');
  assert.equal(mr.alias?.name, 'T');
  assert.deepEqual(mr.measures.map((m) => m.alias), ['start_ts', 'end_ts', 'avg_price', 'mrt']);
  assert.equal(mr.rowsPerMatch, 'ALL');
  assert.deepEqual(mr.afterMatch, { kind: 'ToFirst', variable: 'C' });
  assert.equal(mr.within?.kind, 'IntervalLiteral');
  assert.deepEqual(mr.subsets, [{ name: 'BC', variables: ['B', 'C'] }]);
  assert.deepEqual(mr.define.map((d) => d.variable), ['A', 'B', 'C']);
  assert.ok(mr.pattern.kind === 'PatternSeq');
  const items = (mr.pattern as Extract<A.PatternTerm, { kind: 'PatternSeq' }>).items;
  const show = (t: A.PatternTerm): string => {
    if (t.kind === 'PatternVar') return t.name;
    if (t.kind === 'PatternQuant') return `${show(t.term)}{${t.min},${t.max ?? ''}}${t.reluctant ? '?' : ''}`;
    if (t.kind === 'PatternAlt') return `(${t.alternatives.map(show).join('|')})`;
    return t.items.map(show).join(' ');
  };
  assert.deepEqual(items.map(show), ['A', 'B{1,}', 'C{0,}?', 'D{2,3}', 'E{2,2}', 'F{2,}', 'G{0,1}', '(H|I){1,}', 'J{0,1}?']);
  const one = select(`SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.x AS x ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW PATTERN (A) DEFINE A AS TRUE)`);
  const m1 = one.from as A.MatchRecognizeRef;
  assert.deepEqual([m1.rowsPerMatch, m1.afterMatch?.kind, m1.alias], ['ONE', 'PastLastRow', undefined]);
  for (const [skip, kind] of [['TO NEXT ROW', 'ToNextRow'], ['TO LAST B', 'ToLast'], ['TO B', 'To']] as const) {
    const x = select(`SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.x AS x AFTER MATCH SKIP ${skip} PATTERN (A B) DEFINE A AS TRUE)`);
    assert.equal((x.from as A.MatchRecognizeRef).afterMatch?.kind, kind);
  }
});

test('keywords are case-insensitive; names keep their case', () => {
  const s = select('select Foo.Bar as Baz from Foo where Foo.Bar is not null');
  assert.deepEqual(stripSpans(s.items[0]), { expr: { kind: 'Identifier', parts: ['Foo', 'Bar'] }, alias: 'Baz' });
});

test('hints after SELECT and after table names; elsewhere they are comments', () => {
  const s = select(`SELECT /*+ STATE_TTL('o' = '1d', 'c' = '12h') */ o.id
    FROM orders /*+ OPTIONS('scan.startup.mode' = 'earliest-offset', 'sink.parallelism' = '2') */ AS o
    JOIN customers /*+ options('lookup.cache' = 'NONE'), broadcast(customers, db.t2) */ FOR SYSTEM_TIME AS OF o.pt AS c
    ON o.cid = c.id /*+ NOT_A_HINT_HERE */`);
  assert.deepEqual(s.hints, [{ name: 'STATE_TTL', options: [{ key: 'o', value: '1d' }, { key: 'c', value: '12h' }], args: [] }]);
  const j = s.from as A.JoinRef;
  const left = j.left as A.NamedTableRef;
  assert.deepEqual(left.hints?.[0]?.options.map((o) => o.key), ['scan.startup.mode', 'sink.parallelism']);
  assert.equal(left.alias?.name, 'o');
  const right = j.right as A.NamedTableRef;
  assert.deepEqual(stripSpans(right.hints), [
    { name: 'OPTIONS', options: [{ key: 'lookup.cache', value: 'NONE' }], args: [] },
    { name: 'BROADCAST', options: [], args: ['customers', 'db.t2'] },
  ]);
  assert.ok(right.forSystemTime);
  assert.equal(select('SELECT /* plain comment */ a FROM t /* also plain */').hints, undefined);
  assert.equal((select('SELECT a FROM t /*+ OPTIONS(\'a\' = \'b\') */').from as A.NamedTableRef).hints?.length, 1);
  assert.throws(() => parseQuery("SELECT a FROM t /*+ OPTIONS('a' = ) */"), (e: unknown) => {
    assert.ok(e instanceof SqlParseError);
    assert.deepEqual([e.line, e.column], [1, 35]);
    return true;
  });
});
