import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import { SqlParseError } from '../parser/index.js';
import { FunctionCatalog, FunctionModules } from '../functions/index.js';
import { AggregateSet } from '../runtime/aggregates.js';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import { OperatorHarness } from '../../operators/testing/harness.js';
import type { OneInputNode } from '../../runtime/graph.js';
import { describeSqlError, planScript, planScriptAsync } from './index.js';
import { runToRows } from './testing.js';
import type { ScriptOptions } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-udf-'));
process.env['WEIR_UDF_CACHE_DIR'] = join(dir, '.cache');
const data = join(dir, 'o.json');
writeFileSync(data, [
  { id: 1, k: 'a b', v: 5, ts: '2024-01-01 00:00:01.000' },
  { id: 2, k: 'b', v: 7, ts: '2024-01-01 00:00:04.000' },
  { id: 3, k: null, v: 1, ts: '2024-01-01 00:00:12.000' },
  { id: 4, k: 'a', v: null, ts: '2024-01-01 00:00:13.000' },
].map((r) => JSON.stringify(r)).join('\n'));

const DDL = `CREATE TABLE o (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${data}', 'format' = 'json');\n`;

writeFileSync(join(dir, 'scalars.mjs'), `
export const plusOne = { kind: 'scalar', args: ['INT'], returns: 'INT', eval: (x) => (x === null ? -1 : x + 1) };
export const shout = Object.assign((s) => (s === null ? 'NULL!' : s.toUpperCase() + '!'), { returns: 'STRING NOT NULL' });
export function untyped(x) { return x; }
export const boom = { returns: 'INT', eval(x) { if (x === 7) throw new Error('seven is not allowed'); return x; } };
export const wrongType = { returns: 'INT', eval: () => 'not a number' };
export const half = { returns: 'DECIMAL(10, 2)', eval: (x) => (x === null ? null : x / 2) };
`);
writeFileSync(join(dir, 'tables.mjs'), `
export const words = { kind: 'table', args: ['STRING'], returns: 'ROW<word STRING, len INT>',
  *eval(s) { if (s !== null) for (const w of s.split(' ')) yield { word: w, len: w.length }; } };
export function* repeat(n) { for (let i = 0; i < (n ?? 0); i++) yield i; }
repeat.returns = 'INT';
`);
writeFileSync(join(dir, 'aggs.mjs'), `
export const total = { kind: 'aggregate', args: ['INT'], returns: 'BIGINT',
  createAccumulator: () => ({ sum: 0, seen: new Map() }),
  accumulate(acc, v) { if (v !== null) { acc.sum += v; acc.seen.set(v, (acc.seen.get(v) ?? 0) + 1); } },
  retract(acc, v) { if (v !== null) acc.sum -= v; },
  merge(acc, o) { acc.sum += o.sum; },
  getValue: (acc) => acc.sum };
export const appendOnly = { kind: 'aggregate', returns: 'INT',
  createAccumulator: () => ({ n: 0 }), accumulate(acc) { acc.n++; }, getValue: (acc) => acc.n };
class Box { constructor() { this.n = 0; } }
export const classy = { kind: 'aggregate', returns: 'INT',
  createAccumulator: () => new Box(), accumulate(acc) { acc.n++; }, getValue: (acc) => acc.n };
export const leaky = { kind: 'aggregate', returns: 'INT',
  createAccumulator: () => ({ n: 0 }), accumulate(acc) { acc.n++; acc.fn = () => 1; }, getValue: (acc) => acc.n };
`);
mkdirSync(join(dir, 'ts'));
writeFileSync(join(dir, 'ts', 'helpers.ts'), `export const factor: number = 3;\nexport function times(x: number): number { return x * factor; }\n`);
writeFileSync(join(dir, 'ts', 'main.ts'), `import { times } from './helpers.js';
interface Acc { best: number | null }
export const triple = { returns: 'INT', eval: (x: number | null): number | null => (x === null ? null : times(x)) };
export const best = { kind: 'aggregate' as const, returns: 'INT',
  createAccumulator: (): Acc => ({ best: null }),
  accumulate(acc: Acc, v: number | null): void { if (v !== null && (acc.best === null || v > acc.best)) acc.best = v; },
  getValue: (acc: Acc): number | null => acc.best };
`);
writeFileSync(join(dir, 'throws.mjs'), `throw new Error('broken on purpose');\n`);
writeFileSync(join(dir, 'broken.ts'), `export const x: number = ;\n`);

const FUNCS = `CREATE FUNCTION plus_one AS './scalars.mjs';
CREATE FUNCTION shout AS './scalars.mjs';
CREATE FUNCTION boom AS './scalars.mjs';
CREATE FUNCTION wrong_type AS './scalars.mjs';
CREATE FUNCTION half AS './scalars.mjs';
CREATE FUNCTION words AS './tables.mjs';
CREATE FUNCTION repeat_n AS './tables.mjs#repeat';
CREATE FUNCTION total AS './aggs.mjs';
CREATE FUNCTION append_only AS './aggs.mjs';
`;

const plan = (sql: string, options: ScriptOptions = {}) => planScriptAsync(DDL + FUNCS + sql, { baseDir: dir, ...options });

const run = runToRows;

async function rows(sql: string): Promise<(Row | ChangeRow)[]> {
  return run((await plan(sql)).jobs[0]!);
}

async function planFails(sql: string, options: ScriptOptions = {}): Promise<SqlParseError> {
  try {
    await plan(sql, options);
  } catch (e) {
    assert.ok(e instanceof SqlParseError, `expected a positioned error, got ${String(e)}`);
    return e;
  }
  return assert.fail('expected planning to fail');
}

const lineOf = (sql: string, needle: string): number => (DDL + FUNCS + sql).slice(0, (DDL + FUNCS + sql).indexOf(needle)).split('\n').length;

test('scalar functions: object and plain-function forms, NULL arguments reach the function, results are converted', async () => {
  const out = await rows('SELECT id, plus_one(v), shout(k), half(v) FROM o;');
  assert.deepEqual(out.map((r) => (r as Row).map(String)), [
    ['1', '6', 'A B!', '2.50'], ['2', '8', 'B!', '3.50'], ['3', '2', 'NULL!', '0.50'], ['4', '-1', 'A!', 'null'],
  ]);
  const { jobs } = await plan('SELECT shout(k) AS s, half(v) AS h FROM o;');
  assert.deepEqual(jobs[0]!.sinks[0]!.fields.map((f) => [f.name, f.type.kind, f.type.nullable]), [['s', 'VARCHAR', false], ['h', 'DECIMAL', true]]);
});

test('declared argument types are checked at plan time, with the position of the call', async () => {
  const sql = 'SELECT plus_one(k) FROM o;';
  const e = await planFails(sql);
  assert.match(e.message, /Cannot apply 'PLUS_ONE' to arguments of type 'PLUS_ONE\(<STRING>\)'/);
  assert.equal(e.line, lineOf(sql, 'SELECT'));
  assert.match((await planFails('SELECT plus_one(v, v) FROM o;')).message, /Invalid number of arguments to function 'PLUS_ONE'. Was expecting 1/);
  assert.match((await planFails('SELECT total(k) FROM o;')).message, /Cannot apply 'TOTAL'.*Supported form\(s\): 'TOTAL\(<INT>\)'/);
  assert.match((await planFails('SELECT w.word FROM o, LATERAL TABLE(words(v)) AS w;')).message, /Cannot apply 'WORDS'/);
});

test('table functions: comma, CROSS JOIN, JOIN ON TRUE, LEFT JOIN ON TRUE, a join condition, column aliases', async () => {
  assert.deepEqual(await rows('SELECT id, word, len FROM o, LATERAL TABLE(words(k));'), [[1, 'a', 1], [1, 'b', 1], [2, 'b', 1], [4, 'a', 1]]);
  assert.deepEqual(await rows('SELECT id, t.w FROM o CROSS JOIN LATERAL TABLE(words(k)) AS t(w, n) WHERE t.n = 1 AND id < 2;'), [[1, 'a'], [1, 'b']]);
  assert.deepEqual(await rows('SELECT id, word FROM o JOIN LATERAL TABLE(words(k)) ON TRUE WHERE id = 2;'), [[2, 'b']]);
  assert.deepEqual(await rows('SELECT id, w.word, w.len FROM o LEFT JOIN LATERAL TABLE(words(k)) AS w ON TRUE WHERE id >= 3;'), [[3, null, null], [4, 'a', 1]]);
  assert.deepEqual(await rows("SELECT id, word FROM o JOIN LATERAL TABLE(words(k)) ON word = 'b';"), [[1, 'b'], [2, 'b']]);
  // A function over an atomic type has one column, f0, as in Flink.
  assert.deepEqual(await rows('SELECT id, f0 FROM o, LATERAL TABLE(repeat_n(v - 4)) WHERE id < 3;'), [[1, 0], [2, 0], [2, 1], [2, 2]]);
  const { jobs } = await plan('SELECT id, word FROM o, LATERAL TABLE(words(k));');
  assert.match(jobs[0]!.explain(), /Correlate\(invocation=\[WORDS\(k\)\], joinType=\[INNER\]/);
  assert.match((await planFails("SELECT id FROM o LEFT JOIN LATERAL TABLE(words(k)) ON word = 'a';")).message, /LEFT JOIN with a table function needs the condition ON TRUE/);
  assert.match((await planFails('SELECT id FROM o, LATERAL TABLE(words(k)) AS t(a, b, c);')).message, /returns 2 columns/);
  assert.match((await planFails('SELECT words(k) FROM o;')).message, /Table function 'WORDS' can only be called in FROM/);
});

test('aggregate functions: GROUP BY (with retraction below), window aggregation, OVER', async () => {
  const grouped = await rows('SELECT k IS NULL AS no_k, total(v) AS t FROM o GROUP BY k IS NULL;');
  assert.deepEqual(grouped.at(-1), { op: '+I', row: [true, 1] });
  assert.deepEqual(grouped.filter((c) => (c as ChangeRow).row[0] === false).at(-1), { op: '+U', row: [false, 12] });
  // An updating input: the inner GROUP BY updates, so the outer aggregate must retract.
  const nested = await rows('SELECT total(s) FROM (SELECT k, SUM(v) AS s FROM o GROUP BY k);');
  assert.deepEqual((nested.at(-1) as ChangeRow).row, [13]);
  const win = await rows("SELECT window_start, total(v), append_only() FROM TABLE(TUMBLE(TABLE o, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;");
  assert.deepEqual(win.map((r) => (r as Row).slice(1)), [[12, 2], [1, 2]]);
  const session = await rows("SELECT total(v) FROM TABLE(SESSION(TABLE o, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end;");
  assert.deepEqual(session, [[12], [1]]);
  const over = await rows('SELECT id, total(v) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM o;');
  assert.deepEqual(over, [[1, 5], [2, 12], [3, 13], [4, 13]]);
});

test('an aggregate without retract() on an updating input, or without merge() in a SESSION window, fails at plan time naming the method', async () => {
  const e = await planFails('SELECT append_only() FROM (SELECT k, SUM(v) AS s FROM o GROUP BY k);');
  assert.match(e.message, /'APPEND_ONLY' cannot retract rows/);
  assert.match(e.hint ?? '', /add a retract\(acc, \.\.\.args\) method to \.\/aggs\.mjs/);
  const s = await planFails("SELECT append_only() FROM TABLE(SESSION(TABLE o, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end;");
  assert.match(s.message, /'APPEND_ONLY' cannot merge accumulators/);
  assert.match(s.hint ?? '', /merge\(acc, other\)/);
});

test('accumulators survive the checkpoint serialisation; ones that would not are refused', async () => {
  const functions = new FunctionCatalog();
  const modules = new FunctionModules();
  await planScriptAsync(FUNCS + "CREATE FUNCTION classy AS './aggs.mjs'; CREATE FUNCTION leaky AS './aggs.mjs';", { baseDir: dir, functions, modules });
  const acc = functions.resolveAggregate('TOTAL', [{ kind: 'INT', nullable: true }]);
  const set = new AggregateSet([{ accumulator: acc, args: [(r) => r[0]], distinct: false, text: 'total(v)' }], []);
  const g = set.create();
  set.add(g, [4]);
  set.add(g, [4]);
  // Checkpoints copy state with V8's serializer.
  const restored = deserialize(serialize(g)) as typeof g;
  set.add(restored, [2]);
  set.retract(restored, [4]);
  assert.deepEqual(set.results(restored), [6]);
  assert.equal((restored.accs![0] as { seen: Map<number, number> }).seen.get(4), 2);
  assert.throws(() => functions.resolveAggregate('CLASSY', []), /CLASSY \(\.\/aggs\.mjs\): accumulator is an instance of Box after createAccumulator\(\), which a checkpoint cannot store/);
  const leaky = functions.resolveAggregate('LEAKY', []);
  assert.throws(() => leaky.add(leaky.create(), []), /accumulator\.fn is a function after accumulate/);
});

test('a user aggregate\'s state goes through an operator snapshot and restore (V8-serialised, as checkpoints are)', async () => {
  const { jobs } = await plan('SELECT k, total(v) AS t FROM o GROUP BY k;');
  const env = StreamExecutionEnvironment.create();
  jobs[0]!.build(env);
  const node = env.nodes.find((n) => n.name === 'group-aggregate') as OneInputNode;
  const edge = node.inputs[0]!.partitioning;
  assert.equal(edge.kind, 'hash');
  const keySelector = edge.kind === 'hash' ? edge.key : () => 0;
  const row = (id: number, k: string, v: number): [Row, number] => [[id, k, v, 0], -Infinity];
  const h1 = new OperatorHarness<Row, ChangeRow>(node.create() as never, { keySelector });
  await h1.open();
  h1.processElements([row(1, 'a', 5), row(2, 'a', 7), row(3, 'b', 1)]);
  assert.deepEqual(h1.takeOutput().at(-1)!.value, { op: '+I', row: ['b', 1] });
  const snapshot = deserialize(serialize(h1.operator.snapshotState!()));
  const op2 = node.create();
  op2.restoreState!(snapshot);
  const h2 = new OperatorHarness<Row, ChangeRow>(op2 as never, { keySelector });
  await h2.open();
  h2.processElements([row(4, 'a', 1)]);
  assert.deepEqual(h2.takeOutput().map((e) => e.value), [{ op: '-U', row: ['a', 12] }, { op: '+U', row: ['a', 13] }]);
});

test('a TypeScript module is transpiled, with its relative TypeScript imports', async () => {
  const out = await rows("CREATE FUNCTION triple AS './ts/main.ts' LANGUAGE TYPESCRIPT; CREATE FUNCTION best AS './ts/main.ts';\nSELECT id, triple(v) FROM o WHERE id < 3;");
  assert.deepEqual(out, [[1, 15], [2, 21]]);
  const best = await rows("CREATE FUNCTION best AS './ts/main.ts';\nSELECT k IS NULL, best(v) FROM o GROUP BY k IS NULL;");
  assert.deepEqual((best.filter((c) => (c as ChangeRow).row[0] === false).at(-1) as ChangeRow).row, [false, 7]);
  const e = await planFails("CREATE FUNCTION bad AS './broken.ts';");
  assert.match(e.message, /broken\.ts:1' does not compile: Expression expected/);
});

test('loading errors name the function or module and point at the CREATE FUNCTION statement', async () => {
  const missing = "CREATE FUNCTION nope AS './missing.js';";
  const e = await planFails(missing);
  assert.match(e.message, /the module '.*missing\.js' of function identifier '\.\/missing\.js' does not exist/);
  assert.equal(e.line, lineOf(missing, 'CREATE FUNCTION nope'));
  assert.match((await planFails("CREATE FUNCTION t AS './throws.mjs';")).message, /throws\.mjs' threw while loading: broken on purpose/);
  const noExport = await planFails("CREATE FUNCTION nothing_here AS './scalars.mjs';");
  assert.match(noExport.message, /has no export named 'nothing_here' and no default export/);
  assert.match(noExport.hint ?? '', /exports: boom, half, plusOne, shout, untyped, wrongType/);
  assert.match((await planFails("CREATE FUNCTION x AS './scalars.mjs#nope';")).message, /has no export 'nope' for function 'x'/);
  assert.match((await planFails("CREATE FUNCTION x AS './scalars.mjs#untyped';")).message, /function 'x' \(\.\/scalars\.mjs#untyped\): it does not declare its SQL result type/);
  const java = await planFails("CREATE FUNCTION x AS 'com.example.Upper';");
  assert.match(java.hint ?? '', /not Java classes/);
  assert.match((await planFails("CREATE FUNCTION x AS './scalars.mjs' LANGUAGE PYTHON;")).message, /LANGUAGE PYTHON functions cannot run in weir/);
  assert.match((await planFails("CREATE FUNCTION upper AS './scalars.mjs#shout';")).message, /'upper' is a built-in function/);
  assert.match((await planFails("CREATE FUNCTION shout AS './scalars.mjs';")).message, /Function 'shout' already exists/);
  // Planning synchronously skips the import step: say so.
  assert.throws(() => planScript("CREATE FUNCTION f AS './scalars.mjs#shout';", { baseDir: dir }), /was not loaded before planning/);
});

test('a function that throws at run time fails the job with the function, module and arguments', async () => {
  const { jobs } = await plan('SELECT boom(v) FROM o;');
  await assert.rejects(run(jobs[0]!), (e: Error) => {
    assert.match(describeSqlError(e), /function BOOM \(\.\/scalars\.mjs\) threw in eval on arguments \(7\): seven is not allowed/);
    return true;
  });
  const wrong = await plan('SELECT wrong_type() FROM o;');
  await assert.rejects(run(wrong.jobs[0]!), /WRONG_TYPE \(\.\/scalars\.mjs\) returned string 'not a number' as its result, which is declared INT: expected a whole number/);
});

test('DROP FUNCTION, IF NOT EXISTS, SHOW [USER] FUNCTIONS', async () => {
  const functions = new FunctionCatalog();
  const modules = new FunctionModules();
  const opts = { baseDir: dir, functions, modules };
  const s = await planScriptAsync(`CREATE TEMPORARY SYSTEM FUNCTION shout AS './scalars.mjs';
CREATE FUNCTION IF NOT EXISTS shout AS './scalars.mjs#boom';
SHOW USER FUNCTIONS;
DROP TEMPORARY FUNCTION shout;
DROP FUNCTION IF EXISTS shout;
SHOW USER FUNCTIONS;
SHOW FUNCTIONS;`, opts);
  const outs = s.steps.map((st) => (st.kind === 'output' ? st.text : ''));
  assert.deepEqual(outs.slice(0, 2), ['shout', '']);
  assert.ok(outs[2]!.split('\n').includes('upper'));
  assert.match(await planScriptAsync('DROP FUNCTION shout;', opts).then(() => '', (e: Error) => e.message), /Function 'shout' does not exist/);
  assert.match(await planScriptAsync('DROP FUNCTION upper;', opts).then(() => '', (e: Error) => e.message), /built-in function and cannot be dropped/);
  // The session keeps functions between scripts (the SQL shell).
  await planScriptAsync("CREATE FUNCTION plus_one AS './scalars.mjs';", opts);
  assert.equal(planScript(`${DDL}SELECT plus_one(v) FROM o;`, opts).jobs.length, 1);
});
