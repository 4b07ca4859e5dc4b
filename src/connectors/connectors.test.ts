import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { T } from '../sql/types/sql-type.js';
import { Decimal } from '../sql/types/decimal.js';
import type { Source } from '../runtime/source.js';
import { connectors, resolveConnector } from './registry.js';
import type { ColumnSchema, Row } from './registry.js';
import { splitCsv } from './filesystem/formats.js';

const columns: ColumnSchema[] = [
  { name: 'id', type: T.int() },
  { name: 'name', type: T.string() },
  { name: 'price', type: T.decimal(10, 2) },
  { name: 'ts', type: T.timestamp(3) },
];

function opts(o: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(o));
}

async function readAll(source: Source<Row>, parallelism = 1): Promise<Row[]> {
  const rows: Row[] = [];
  for (let i = 0; i < parallelism; i++) {
    const reader = source.createReader({ subtaskIndex: i, parallelism, signal: new AbortController().signal });
    for (;;) {
      const b = await reader.poll(2);
      if (b === null) break;
      rows.push(...b.batch.values);
    }
  }
  return rows;
}

function fsSource(path: string, extra: Record<string, string> = {}, format = 'json'): Source<Row> {
  const { connector, options } = resolveConnector('t', opts({ connector: 'filesystem', path, format, ...extra }));
  return connector.createSource!({ table: 't', columns, options });
}

test('the registry knows Flink\'s connector names', () => {
  for (const name of ['blackhole', 'datagen', 'filesystem', 'print']) assert.ok(connectors.has(name), name);
  for (const c of connectors.values()) assert.ok(c.createSource || c.createSink || c.createLookup, `${c.name} neither reads, writes nor looks up`);
});

test('an unknown option is rejected, naming it and listing the supported ones', () => {
  assert.throws(() => resolveConnector('t', opts({ connector: 'filesystem', path: '/x', format: 'json', 'json.fail-on-missing': 'true' })), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /unsupported option 'json.fail-on-missing'/);
    assert.match(e.hint ?? '', /json\.fail-on-missing-field/);
    assert.match(e.hint ?? '', /path/);
    return true;
  });
});

test('a missing required option is named', () => {
  assert.throws(() => resolveConnector('t', opts({ connector: 'filesystem', format: 'json' })), /missing required option 'path'/);
  assert.throws(() => resolveConnector('t', opts({ path: '/x' })), /no 'connector' option/);
  assert.throws(() => resolveConnector('t', opts({ connector: 'kafkaa' })), (e: unknown) => e instanceof UserError && /unknown connector 'kafkaa'/.test(e.message) && /filesystem/.test(e.hint ?? ''));
});

test('option values are checked and formats must exist', () => {
  assert.throws(() => resolveConnector('t', opts({ connector: 'datagen', 'number-of-rows': 'ten' })), /'number-of-rows' = 'ten' is invalid: expected a whole number/);
  assert.throws(() => resolveConnector('t', opts({ connector: 'filesystem', path: '/x', format: 'avro' })), /does not support format 'avro'/);
  // csv options are not valid with the json format
  assert.throws(() => resolveConnector('t', opts({ connector: 'filesystem', path: '/x', format: 'json', 'csv.field-delimiter': ';' })), /unsupported option 'csv.field-delimiter'/);
  const ok = resolveConnector('t', opts({ connector: 'datagen', 'fields.id.kind': 'sequence', 'fields.id.start': '1', 'fields.id.end': '5' }));
  assert.equal(ok.options.get('rows-per-second'), '10000');
});

test('filesystem json source reads a directory, skipping hidden files; timestamps and decimals typed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-fs-'));
  writeFileSync(join(dir, 'a.json'), '{"id":1,"name":"x","price":1.5,"ts":"2024-01-15 10:00:00.123"}\n\n{"id":2}\n');
  writeFileSync(join(dir, '.hidden.json'), '{"id":99}\n');
  writeFileSync(join(dir, 'b.json'), '{"id":3,"name":"z","price":"2.25","ts":"2024-01-15 10:00:01"}\n');
  const rows = await readAll(fsSource(dir));
  assert.deepEqual(rows.map((r) => r[0]), [1, 2, 3]);
  assert.equal(rows[0]![3], Date.UTC(2024, 0, 15, 10, 0, 0, 123));
  assert.ok(rows[0]![2] instanceof Decimal);
  assert.equal(String(rows[2]![2]), '2.25');
  assert.deepEqual(rows[1], [2, null, null, null]);
  // two subtasks split the files between them and together read every row once
  assert.deepEqual((await readAll(fsSource(dir), 2)).map((r) => r[0]).sort(), [1, 2, 3]);
});

test('a malformed JSON line names file, line, field and reason; ignore-parse-errors skips it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-fs-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, '{"id":1,"ts":"2024-01-15 10:00:00"}\n{"id":"seven","ts":"2024-01-15 10:00:00"}\n{"id":3\n');
  await assert.rejects(readAll(fsSource(file)), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, new RegExp(`${file} line 2: field "id"`));
    assert.match(e.message, /not an integer/);
    assert.match(e.hint ?? '', /json.ignore-parse-errors/);
    return true;
  });
  const rows = await readAll(fsSource(file, { 'json.ignore-parse-errors': 'true' }));
  assert.deepEqual(rows.map((r) => r[0]), [1]);
  writeFileSync(file, '{"id":1}\nnot json\n');
  await assert.rejects(readAll(fsSource(file)), /line 2: not valid JSON/);
});

test('csv format: positional fields, quotes, empty fields need a null literal (as in Flink)', async () => {
  assert.deepEqual(splitCsv('1,"a, b",,"say ""hi"""', ',', '"'), ['1', 'a, b', '', 'say "hi"']);
  const dir = mkdtempSync(join(tmpdir(), 'weir-fs-'));
  writeFileSync(join(dir, 'a.csv'), '1,"x, y",1.50,2024-01-15 10:00:00.000\n2,,,2024-01-15 10:00:00.000\n');
  await assert.rejects(readAll(fsSource(join(dir, 'a.csv'), {}, 'csv')), /line 2: field "price": empty value for DECIMAL/);
  const rows = await readAll(fsSource(join(dir, 'a.csv'), { 'csv.null-literal': '' }, 'csv'));
  assert.equal(rows[0]![1], 'x, y');
  assert.equal(rows[1]![1], null);
  assert.equal(rows[1]![2], null);
  await assert.rejects(readAll(fsSource(join(dir, 'a.csv'), {}, 'json')), /not valid JSON/);
  writeFileSync(join(dir, 'a.csv'), '1,2\n');
  await assert.rejects(readAll(fsSource(join(dir, 'a.csv'), {}, 'csv')), /expected 4 fields, found 2/);
});

test('filesystem sink hides part files until finished, then renames them', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'weir-sink-')), 'out');
  const { connector, options } = resolveConnector('o', opts({ connector: 'filesystem', path: dir, format: 'json' }));
  const sink = connector.createSink!({ table: 'o', columns, options, changelog: false });
  const w = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
  await w.write({ values: [[1, 'a', Decimal.parse('1.50'), Date.UTC(2024, 0, 15)]], timestamps: [0] });
  const during = readdirSync(dir);
  assert.equal(during.length, 1);
  assert.ok(during[0]!.startsWith('.') && during[0]!.endsWith('.inprogress'), during[0]);
  await w.finish!();
  const after = readdirSync(dir);
  assert.equal(after.length, 1);
  assert.match(after[0]!, /^part-0-[0-9a-f]+-0\.json$/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, after[0]!), 'utf8')), { id: 1, name: 'a', price: 1.5, ts: '2024-01-15 00:00:00.000' });
  assert.throws(() => connector.createSink!({ table: 'o', columns, options, changelog: true }), /only accepts inserts/);
});

test('datagen: sequences bound the table; random fields stay in range', async () => {
  const cols: ColumnSchema[] = [{ name: 'id', type: T.bigint() }, { name: 'v', type: T.int() }, { name: 's', type: T.string() }];
  const { connector, options } = resolveConnector('g', opts({
    connector: 'datagen', 'rows-per-second': '1000000', 'fields.id.kind': 'sequence', 'fields.id.start': '1', 'fields.id.end': '50',
    'fields.v.min': '5', 'fields.v.max': '7', 'fields.s.length': '4',
  }));
  assert.equal(connector.isBounded!(options), false);
  const source = connector.createSource!({ table: 'g', columns: cols, options });
  assert.equal(source.bounded, true);
  const rows = (await readAll(source, 2)).filter((r) => r.length > 0);
  assert.deepEqual(rows.map((r) => r[0]).sort((a, b) => (a as number) - (b as number)), Array.from({ length: 50 }, (_x, i) => i + 1));
  assert.ok(rows.every((r) => (r[1] as number) >= 5 && (r[1] as number) <= 7 && (r[2] as string).length === 4));
  assert.throws(() => connector.createSource!({ table: 'g', columns: cols, options: resolveConnector('g', opts({ connector: 'datagen', 'fields.id.kind': 'sequence' })).options }), /needs 'fields.id.start'/);
});
