import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataType } from './parser.js';
import { stripSpans, unparse } from './unparse.js';
import { SqlParseError } from './errors.js';

const canon = (s: string): string => unparse(parseDataType(s));

test('primitive types are normalised', () => {
  const cases: [string, string][] = [
    ['BOOLEAN', 'BOOLEAN'], ['tinyint', 'TINYINT'], ['SMALLINT', 'SMALLINT'], ['INT', 'INT'], ['INTEGER', 'INT'],
    ['BIGINT', 'BIGINT'], ['FLOAT', 'FLOAT'], ['REAL', 'FLOAT'], ['DOUBLE', 'DOUBLE'], ['DOUBLE PRECISION', 'DOUBLE'],
    ['DECIMAL', 'DECIMAL'], ['DECIMAL(10)', 'DECIMAL(10)'], ['DEC(10, 2)', 'DECIMAL(10, 2)'], ['NUMERIC(23,3)', 'DECIMAL(23, 3)'],
    ['CHAR(3)', 'CHAR(3)'], ['VARCHAR', 'VARCHAR'], ['VARCHAR(255)', 'VARCHAR(255)'], ['CHARACTER VARYING(5)', 'VARCHAR(5)'],
    ['STRING', 'STRING'], ['BINARY(4)', 'BINARY(4)'], ['VARBINARY(8)', 'VARBINARY(8)'], ['BYTES', 'BYTES'],
    ['DATE', 'DATE'], ['TIME', 'TIME'], ['TIME(3)', 'TIME(3)'], ['TIME(0) WITHOUT TIME ZONE', 'TIME(0)'],
    ['TIMESTAMP', 'TIMESTAMP'], ['TIMESTAMP(3)', 'TIMESTAMP(3)'], ['TIMESTAMP(6) WITHOUT TIME ZONE', 'TIMESTAMP(6)'],
    ['TIMESTAMP_LTZ(3)', 'TIMESTAMP_LTZ(3)'], ['TIMESTAMP(3) WITH LOCAL TIME ZONE', 'TIMESTAMP_LTZ(3)'],
    ['INTERVAL DAY TO SECOND(3)', 'INTERVAL DAY TO SECOND(3)'], ['INTERVAL YEAR(2) TO MONTH', 'INTERVAL YEAR(2) TO MONTH'],
  ];
  for (const [input, out] of cases) assert.equal(canon(input), out, input);
});

test('NOT NULL on any type, including nested', () => {
  const t = parseDataType('BIGINT NOT NULL');
  assert.deepEqual(stripSpans(t), { kind: 'PrimitiveType', name: 'BIGINT', nullable: false });
  assert.equal(canon('ARRAY<INT NOT NULL> NOT NULL'), 'ARRAY<INT NOT NULL> NOT NULL');
  assert.equal(canon('INT NULL'), 'INT');
});

test('collection and structured types', () => {
  assert.equal(canon('ARRAY<STRING>'), 'ARRAY<STRING>');
  assert.equal(canon('INT ARRAY'), 'ARRAY<INT>');
  assert.equal(canon('MULTISET<BIGINT>'), 'MULTISET<BIGINT>');
  assert.equal(canon('STRING MULTISET'), 'MULTISET<STRING>');
  assert.equal(canon('MAP<STRING, ARRAY<INT>>'), 'MAP<STRING, ARRAY<INT>>');
  assert.equal(canon('ROW<a INT, b STRING>'), 'ROW<a INT, b STRING>');
  assert.equal(canon('ROW(a INT, b STRING)'), 'ROW<a INT, b STRING>');
  assert.equal(canon("ROW<`dateTime` TIMESTAMP(3) 'event time', extra VARCHAR>"), "ROW<dateTime TIMESTAMP(3) 'event time', extra VARCHAR>");
  assert.equal(canon('ROW<>'), 'ROW<>');
  assert.equal(canon('ROW<r ROW<x MAP<STRING, ROW<y INT>>>>'), 'ROW<r ROW<x MAP<STRING, ROW<y INT>>>>');
  const r = parseDataType('ROW<id BIGINT NOT NULL, tags ARRAY<STRING>>');
  assert.ok(r.kind === 'RowType' && r.fields[0]!.type.nullable === false && r.fields[1]!.type.kind === 'ArrayType');
});

test('unknown types suggest the nearest name', () => {
  assert.throws(() => parseDataType('INTT'), (e: unknown) => {
    assert.ok(e instanceof SqlParseError);
    assert.match(e.message, /unknown data type 'INTT'/);
    assert.equal(e.hint, 'did you mean INT?');
    return true;
  });
  assert.throws(() => parseDataType('VARCHR(3)'), /unknown data type/);
  assert.throws(() => parseDataType('TIMESTAMP WITH TIME ZONE'), (e: unknown) =>
    e instanceof SqlParseError && /TIMESTAMP_LTZ/.test(e.hint ?? ''));
  assert.throws(() => parseDataType('MAP<STRING>'), (e: unknown) => e instanceof SqlParseError && /MAP<key type, value type>/.test(e.hint ?? ''));
});
