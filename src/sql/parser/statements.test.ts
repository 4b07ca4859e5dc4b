import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as A from './ast.js';
import { parseScript, parseStatement } from './parser.js';
import { stripSpans, unparse } from './unparse.js';
import { SqlParseError } from './errors.js';

function one<K extends A.Statement['kind']>(sql: string, kind: K): Extract<A.Statement, { kind: K }> {
  const s = parseStatement(sql);
  assert.equal(s.kind, kind);
  // Every statement must survive unparse -> parse unchanged.
  assert.deepEqual(stripSpans(parseStatement(unparse(s))), stripSpans(s), unparse(s));
  return s as Extract<A.Statement, { kind: K }>;
}

test('CREATE TABLE with every column kind, watermark, primary key, partitioning and options', () => {
  const s = one(`
    CREATE TABLE IF NOT EXISTS cat.db.orders (
      order_id BIGINT NOT NULL COMMENT 'the id',
      \`user\` STRING,
      price DECIMAL(10, 2),
      tags ARRAY<STRING>,
      record_time TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',
      \`partition\` BIGINT METADATA VIRTUAL,
      headers MAP<STRING, BYTES> METADATA,
      cost_with_tax AS price * 1.19,
      proc AS PROCTIME(),
      ts TIMESTAMP(3),
      WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
      CONSTRAINT pk PRIMARY KEY (order_id) NOT ENFORCED
    ) COMMENT 'orders'
    PARTITIONED BY (\`user\`)
    WITH (
      'connector' = 'kafka',
      'topic' = 'orders',
      'properties.bootstrap.servers' = 'localhost:9092',
      'format' = 'json'
    )`, 'CreateTable');
  assert.deepEqual(s.name, ['cat', 'db', 'orders']);
  assert.equal(s.ifNotExists, true);
  assert.deepEqual(s.columns.map((c) => c.kind), [
    'PhysicalColumn', 'PhysicalColumn', 'PhysicalColumn', 'PhysicalColumn', 'MetadataColumn', 'MetadataColumn',
    'MetadataColumn', 'ComputedColumn', 'ComputedColumn', 'PhysicalColumn',
  ]);
  const first = s.columns[0]!;
  assert.ok(first.kind === 'PhysicalColumn' && !first.type.nullable && first.comment === 'the id');
  const rt = s.columns[4]!;
  assert.ok(rt.kind === 'MetadataColumn' && rt.from === 'timestamp' && !rt.virtual);
  const part = s.columns[5]!;
  assert.ok(part.kind === 'MetadataColumn' && part.from === undefined && part.virtual);
  assert.deepEqual(s.watermark?.column, ['ts']);
  assert.equal(s.watermark?.expr.kind, 'Binary');
  assert.deepEqual(s.primaryKey, { name: 'pk', columns: ['order_id'], enforced: false });
  assert.equal(s.comment, 'orders');
  assert.deepEqual(s.partitionedBy, ['user']);
  assert.deepEqual(s.options[2], { key: 'properties.bootstrap.servers', value: 'localhost:9092' });
});

test('CREATE TABLE: column-level primary key, temporary, CTAS', () => {
  const s = one("CREATE TEMPORARY TABLE t (id INT PRIMARY KEY NOT ENFORCED, v STRING) WITH ('connector' = 'datagen')", 'CreateTable');
  assert.equal(s.temporary, true);
  assert.deepEqual(s.primaryKey, { columns: ['id'], enforced: false });
  const ctas = one("CREATE TABLE t2 WITH ('connector' = 'blackhole') AS SELECT id FROM t", 'CreateTable');
  assert.equal(ctas.columns.length, 0);
  assert.equal(ctas.asQuery?.body.kind, 'Select');
});

test('CREATE TABLE rejects LIKE, enforced keys and empty column lists with a hint', () => {
  assert.throws(() => parseStatement("CREATE TABLE t2 WITH ('a' = 'b') LIKE t"), (e: unknown) =>
    e instanceof SqlParseError && /LIKE is not supported/.test(e.message));
  assert.throws(() => parseStatement('CREATE TABLE t (id INT, PRIMARY KEY (id))'), (e: unknown) =>
    e instanceof SqlParseError && /NOT ENFORCED/.test(e.hint ?? ''));
  assert.throws(() => parseStatement("CREATE TABLE t WITH ('a' = 'b')"), /has no columns/);
});

test('CREATE VIEW with and without column list', () => {
  const v = one('CREATE TEMPORARY VIEW IF NOT EXISTS v (a, b) AS SELECT x, y FROM t', 'CreateView');
  assert.ok(v.temporary && v.ifNotExists);
  assert.deepEqual(v.columns, ['a', 'b']);
  const w = one("CREATE VIEW movie_comment(id, name) AS VALUES (1, 'a'), (2, 'b')", 'CreateView');
  assert.equal(w.query.body.kind, 'Values');
});

test('CREATE FUNCTION variants', () => {
  const f = one("CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar'", 'CreateFunction');
  assert.deepEqual([f.temporary, f.system, f.identifier, f.language], [false, false, 'com.github.nexmark.flink.udf.CountChar', undefined]);
  const g = one("CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS my_upper AS 'udfs.upper' LANGUAGE PYTHON", 'CreateFunction');
  assert.deepEqual([g.temporary, g.system, g.ifNotExists, g.language], [true, true, true, 'PYTHON']);
  const h = one("CREATE FUNCTION split_words AS './udfs/text.ts#splitWords' LANGUAGE TYPESCRIPT", 'CreateFunction');
  assert.deepEqual([h.name, h.identifier, h.language], [['split_words'], './udfs/text.ts#splitWords', 'TYPESCRIPT']);
  assert.equal(one("create function f as './f.js' language javascript", 'CreateFunction').language, 'JAVASCRIPT');
  assert.throws(() => parseScript("CREATE FUNCTION f AS './f.js' LANGUAGE RUST"), (e: Error & { hint?: string }) => /unknown function language 'RUST'/.test(e.message) && /JAVASCRIPT or TYPESCRIPT/.test(e.hint ?? ''));
  assert.throws(() => parseScript('CREATE FUNCTION f AS com.example.F'), /expected the function class or identifier/);
});

test('CREATE MODEL (Flink 2.1)', () => {
  const m = one(`CREATE MODEL sentiment
    INPUT (\`input\` STRING)
    OUTPUT (label STRING COMMENT 'positive or negative', score DOUBLE)
    COMMENT 'classifies reviews'
    WITH ('provider' = 'onnx', 'path' = 'models/sentiment.onnx')`, 'CreateModel');
  assert.deepEqual(m.input.map((c) => c.name), ['input']);
  assert.deepEqual(m.output.map((c) => c.name), ['label', 'score']);
  assert.equal(m.comment, 'classifies reviews');
  assert.equal(m.options[0]!.value, 'onnx');
  const t = one("CREATE TEMPORARY MODEL IF NOT EXISTS m INPUT (x ARRAY<FLOAT>) OUTPUT (y FLOAT) WITH ('provider' = 'openai')", 'CreateModel');
  assert.ok(t.temporary && t.ifNotExists);
  assert.throws(() => parseStatement('CREATE MODEL m INPUT (x INT) OUTPUT (y INT)'), (e: unknown) =>
    e instanceof SqlParseError && /provider/.test(e.hint ?? ''));
});

test('SET, RESET, USE', () => {
  assert.deepEqual(stripSpans(one("SET 'table.exec.state.ttl' = '1 h'", 'Set')),
    { kind: 'Set', key: 'table.exec.state.ttl', value: '1 h' });
  assert.deepEqual(stripSpans(one('SET', 'Set')), { kind: 'Set' });
  assert.deepEqual(stripSpans(one("RESET 'a.b'", 'Reset')), { kind: 'Reset', key: 'a.b' });
  assert.deepEqual(stripSpans(one('RESET', 'Reset')), { kind: 'Reset' });
  assert.deepEqual(stripSpans(one('USE CATALOG c1', 'Use')), { kind: 'Use', catalog: true, name: ['c1'] });
  assert.throws(() => parseStatement('SET a = b'), (e: unknown) => e instanceof SqlParseError && /SET 'key' = 'value'/.test(e.hint ?? ''));
});

test('INSERT INTO / OVERWRITE with column list and static partition', () => {
  const i = one('INSERT INTO sink (a, b) SELECT x, y FROM src', 'Insert');
  assert.deepEqual(i.columns, ['a', 'b']);
  const o = one("INSERT OVERWRITE sink PARTITION (dt = '2024-01-01') SELECT * FROM src", 'Insert');
  assert.ok(o.overwrite);
  assert.deepEqual(o.partition, [{ key: 'dt', value: '2024-01-01' }]);
  const p = one('INSERT INTO sink (SELECT * FROM src)', 'Insert');
  assert.equal(p.columns, undefined);
  const h = one("INSERT INTO sink /*+ OPTIONS('sink.parallelism' = '2') */ (a) SELECT x FROM src", 'Insert');
  assert.deepEqual(stripSpans(h.hints), [{ name: 'OPTIONS', options: [{ key: 'sink.parallelism', value: '2' }], args: [] }]);
  assert.deepEqual(h.columns, ['a']);
  const v = one("INSERT INTO sink VALUES (1, 'a')", 'Insert');
  assert.equal(v.query.body.kind, 'Values');
});

test('statement sets: EXECUTE STATEMENT SET BEGIN ... END and BEGIN STATEMENT SET; ... END;', () => {
  const e = one(`EXECUTE STATEMENT SET BEGIN
    INSERT INTO a SELECT * FROM s;
    INSERT INTO b SELECT * FROM s WHERE x > 1;
  END`, 'StatementSet');
  assert.equal(e.execute, true);
  assert.equal(e.inserts.length, 2);
  const script = parseScript(`
    SET 'pipeline.name' = 'two sinks';
    BEGIN STATEMENT SET;
    INSERT INTO a SELECT * FROM s;
    INSERT INTO b SELECT * FROM s;
    END;
    SHOW TABLES;`);
  assert.deepEqual(script.map((s) => s.kind), ['Set', 'StatementSet', 'Show']);
  const set = script[1] as A.StatementSet;
  assert.equal(set.execute, false);
  assert.deepEqual(set.inserts.map((i) => i.table[0]), ['a', 'b']);
  assert.throws(() => parseScript('BEGIN STATEMENT SET; SELECT 1; END;'), /only INSERT/);
});

test('EXPLAIN, SHOW, DESCRIBE, DROP', () => {
  const ex = one('EXPLAIN PLAN FOR SELECT * FROM t', 'Explain');
  assert.ok(ex.planFor && ex.statement.kind === 'QueryStatement');
  const ex2 = one('EXPLAIN ESTIMATED_COST, CHANGELOG_MODE INSERT INTO s SELECT * FROM t', 'Explain');
  assert.deepEqual(ex2.details, ['ESTIMATED_COST', 'CHANGELOG_MODE']);
  assert.equal(ex2.statement.kind, 'Insert');
  const ex3 = one('EXPLAIN STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b SELECT 2; END', 'Explain');
  assert.ok(ex3.statement.kind === 'StatementSet' && ex3.statement.inserts.length === 2);
  assert.equal(parseScript('EXPLAIN STATEMENT SET BEGIN INSERT INTO a SELECT 1; END; SHOW TABLES;').length, 2);
  for (const o of ['TABLES', 'VIEWS', 'FUNCTIONS', 'MODELS', 'CATALOGS', 'DATABASES']) {
    assert.equal(one(`show ${o.toLowerCase()}`, 'Show').object, o);
  }
  assert.equal(one('SHOW USER FUNCTIONS', 'Show').object, 'USER FUNCTIONS');
  assert.deepEqual(stripSpans(one('SHOW CREATE TABLE db.t', 'ShowCreate')), { kind: 'ShowCreate', object: 'TABLE', name: ['db', 't'] });
  assert.deepEqual(stripSpans(one('DESCRIBE orders', 'Describe')), { kind: 'Describe', name: ['orders'], extended: false, model: false });
  assert.deepEqual(stripSpans(one('DESC EXTENDED orders', 'Describe')), { kind: 'Describe', name: ['orders'], extended: true, model: false });
  assert.equal(one('DESCRIBE MODEL m', 'Describe').model, true);
  for (const o of ['TABLE', 'VIEW', 'FUNCTION', 'MODEL'] as const) {
    const d = one(`DROP ${o} IF EXISTS x.y`, 'Drop');
    assert.deepEqual([d.object, d.ifExists, d.name], [o, true, ['x', 'y']]);
  }
  const d = one('DROP TEMPORARY SYSTEM FUNCTION f', 'Drop');
  assert.ok(d.temporary && d.system && !d.ifExists);
});

test('scripts: separators, comments, empty statements, spans', () => {
  const text = "-- setup\nCREATE TABLE t (a INT) WITH ('connector' = 'datagen');;\n\n/* run */ SELECT a FROM t;\n";
  const s = parseScript(text);
  assert.deepEqual(s.map((x) => x.kind), ['CreateTable', 'QueryStatement']);
  assert.equal(s[1]!.span.line, 4);
  assert.equal(s[1]!.span.column, 11);
  assert.equal(text.slice(s[1]!.span.start, s[1]!.span.end), 'SELECT a FROM t');
  assert.deepEqual(parseScript('  -- nothing\n'), []);
  assert.equal(parseScript('SELECT 1').length, 1);
});

test('CREATE CATALOG / DATABASE and their DROPs', () => {
  const c = one("CREATE CATALOG my_catalog WITH ('type' = 'generic_in_memory')", 'CreateCatalog');
  assert.deepEqual([c.name, c.options[0]!.value], ['my_catalog', 'generic_in_memory']);
  const d = one("CREATE DATABASE IF NOT EXISTS my_catalog.db COMMENT 'x'", 'CreateDatabase');
  assert.deepEqual([d.name, d.ifNotExists, d.comment, d.options], [['my_catalog', 'db'], true, 'x', []]);
  assert.equal(one('DROP CATALOG IF EXISTS my_catalog', 'Drop').object, 'CATALOG');
  const dd = one('DROP DATABASE db CASCADE', 'Drop');
  assert.deepEqual([dd.object, dd.cascade], ['DATABASE', true]);
  assert.equal(one('DROP DATABASE db', 'Drop').cascade, undefined);
});
