/**
 * The golden SQL suite: every `test/sql/NAME.sql` runs through weir and its results must equal
 * `NAME.expected.ndjson`, written by Apache Flink (`scripts/sql-golden`), compared as multisets after
 * applying the changelog; the EXPLAIN text of its jobs must equal `NAME.plan.txt`.
 * `WEIR_UPDATE_PLANS=1` rewrites the plan snapshots on purpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../api/environment.js';
import type { ChangeRow, Row } from '../connectors/registry.js';
import { planScript } from './planner/index.js';
import type { SqlJobSink } from './planner/index.js';
import { formatValue } from './types/values.js';
import type { SqlType } from './types/sql-type.js';

const DIR = fileURLToPath(new URL('../../../test/sql/', import.meta.url));

interface ChangeLine { op: string; row: Record<string, unknown>; query?: string }

/** A SQL value as the Flink reference runner writes it in NDJSON. */
function jsonValue(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': case 'FLOAT': case 'DOUBLE': case 'BOOLEAN':
    case 'CHAR': case 'VARCHAR':
      return v;
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ':
      return formatValue(v, { ...t, precision: Math.max(3, t.precision ?? 3) });
    default:
      return formatValue(v, t);
  }
}

/** Rows left after applying a changelog, each as a canonical key plus its float columns. */
function finalRows(lines: ChangeLine[], types: Map<string, SqlType>): { key: string; floats: number[] }[] {
  const bag = new Map<string, { row: Record<string, unknown>; n: number }>();
  const exact = (name: string, v: unknown): string => {
    const t = types.get(name);
    if (v === null || v === undefined) return 'null';
    if (t && (t.kind === 'DOUBLE' || t.kind === 'FLOAT')) return '~';
    if (t && (t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ') && typeof v === 'string') return `ts:${Date.parse(v.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? '' : 'Z'))}`;
    if (t && t.kind === 'DECIMAL') return `dec:${Number(v)}`;
    return JSON.stringify(v);
  };
  for (const l of lines) {
    const names = Object.keys(l.row).sort();
    const key = names.map((n) => `${n}=${exact(n, l.row[n])}`).join('|') + '#' + names.filter((n) => exact(n, l.row[n]) === '~').map((n) => Number(l.row[n]).toPrecision(9)).join(',');
    const e = bag.get(key) ?? { row: l.row, n: 0 };
    e.n += l.op === '+I' || l.op === '+U' ? 1 : -1;
    bag.set(key, e);
  }
  const out: { key: string; floats: number[] }[] = [];
  for (const [key, e] of bag) {
    for (let i = 0; i < e.n; i++) {
      const names = Object.keys(e.row).sort();
      out.push({ key: key.split('#')[0]!, floats: names.filter((n) => exact(n, e.row[n]) === '~').map((n) => Number(e.row[n])) });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.floats.join() < b.floats.join() ? -1 : 1));
}

function sameRows(expected: ChangeLine[], actual: ChangeLine[], types: Map<string, SqlType>): string | undefined {
  const e = finalRows(expected, types);
  const a = finalRows(actual, types);
  if (e.length !== a.length) return `expected ${e.length} rows, got ${a.length}\nexpected: ${e.map((r) => r.key).join('\n  ')}\nactual:   ${a.map((r) => r.key).join('\n  ')}`;
  for (let i = 0; i < e.length; i++) {
    if (e[i]!.key !== a[i]!.key) return `row ${i} differs:\n  expected ${e[i]!.key}\n  actual   ${a[i]!.key}`;
    for (let j = 0; j < e[i]!.floats.length; j++) {
      const x = e[i]!.floats[j]!;
      const y = a[i]!.floats[j]!;
      if (!(Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) || x === y)) return `row ${i} float ${j}: expected ${x}, got ${y}`;
    }
  }
  return undefined;
}

async function runGolden(name: string): Promise<void> {
  const text = readFileSync(join(DIR, `${name}.sql`), 'utf8').replaceAll('${SCRIPT_DIR}', DIR.replace(/\/$/, ''));
  const script = planScript(text);
  const results = new Map<string, { lines: ChangeLine[]; sink: SqlJobSink }>();
  const plans: string[] = [];
  for (const job of script.jobs) {
    plans.push(`-- ${job.name}\n${job.explain()}`);
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    job.build(env, { collectTables: true });
    const handle = env.execute(job.name);
    await handle.done;
    for (const sink of job.sinks) {
      const types = sink.fields.map((f) => f.type);
      const lines = handle.collected<Row | ChangeRow>(sink.name).map((r) => {
        const op = sink.updating ? (r.value as ChangeRow).op : '+I';
        const row = sink.updating ? (r.value as ChangeRow).row : (r.value as Row);
        const obj: Record<string, unknown> = {};
        sink.fields.forEach((f, i) => { obj[f.name] = jsonValue(row[i], types[i]!); });
        return { op, row: obj };
      });
      results.set(job.name, { lines, sink });
    }
  }
  const planText = plans.join('\n\n') + '\n';
  const planFile = join(DIR, `${name}.plan.txt`);
  if (process.env['WEIR_UPDATE_PLANS'] === '1' || !existsSync(planFile)) writeFileSync(planFile, planText);
  else assert.equal(planText, readFileSync(planFile, 'utf8'), `plan of ${name} changed; rerun with WEIR_UPDATE_PLANS=1 if on purpose`);

  const expected = readFileSync(join(DIR, `${name}.expected.ndjson`), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ChangeLine);
  const byQuery = new Map<string, ChangeLine[]>();
  const single = script.jobs.length === 1 ? script.jobs[0]!.name : undefined;
  for (const l of expected) {
    const q = l.query ?? single ?? '';
    byQuery.set(q, [...(byQuery.get(q) ?? []), l]);
  }
  for (const [q, { lines, sink }] of results) {
    const types = new Map(sink.fields.map((f) => [f.name, f.type]));
    const diff = sameRows(byQuery.get(q) ?? [], lines, types);
    assert.equal(diff, undefined, `${name}/${q}: ${diff}`);
  }
  assert.deepEqual([...results.keys()].sort(), [...byQuery.keys()].sort(), `${name}: queries run by weir and by Flink differ`);
}

const names = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort() : [];

test('the golden suite has queries', () => {
  assert.ok(names.length > 0, `no .sql files in ${DIR}`);
});

for (const name of names) {
  test(`golden: ${name}`, async () => {
    await runGolden(name);
  });
}
