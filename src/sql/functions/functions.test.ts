import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpression } from '../parser/index.js';
import { compileExpr, Scope } from '../expr/index.js';
import { Decimal, SqlTypeError, T, formatValue, parseSqlType, typeToString, type SqlType } from '../types/index.js';
import { FunctionCatalog, JavaRandom, type Accumulator, type AggregateOptions } from './index.js';

const catalog = new FunctionCatalog();
const TS = Date.UTC(2024, 0, 31, 10, 30, 15, 123);
const scope = new Scope([
  { name: 's', type: T.string() },
  { name: 'n', type: T.string() },
  { name: 'i', type: T.int() },
  { name: 'ts', type: T.timestamp(3) },
  { name: 'ltz', type: T.timestampLtz(3) },
  { name: 'd', type: T.decimal(10, 2) },
  { name: 'arr', type: T.array(T.string()) },
  { name: 'm', type: T.map(T.string(), T.int()) },
]);
const ROW = ['Hello World', null, -7, TS, TS, Decimal.parse('3.14'), ['a', 'b'], new Map([['k', 1]])];
const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

function run(sql: string, timeZone = 'UTC'): [string, string] {
  const c = compileExpr(parseExpression(sql), scope, catalog, { timeZone, now: () => NOW });
  return [formatValue(c.eval(ROW), c.type, { timeZone }), typeToString(c.type)];
}

function checkAll(cases: [string, string, string?][], timeZone = 'UTC'): void {
  const wrong: string[] = [];
  for (const [sql, value, type] of cases) {
    try {
      const [v, t] = run(sql, timeZone);
      if (v !== value || (type !== undefined && t !== type)) wrong.push(`${sql}: got ${v} :: ${t}, want ${value}${type ? ` :: ${type}` : ''}`);
    } catch (e) {
      wrong.push(`${sql}: threw ${(e as Error).message}`);
    }
  }
  assert.deepEqual(wrong, []);
}

test('string functions', () => {
  checkAll([
    ['CHAR_LENGTH(s)', '11', 'INT'], ["CHARACTER_LENGTH('')", '0', 'INT NOT NULL'], ['CHAR_LENGTH(n)', 'NULL', 'INT'],
    ["UPPER('abc')", 'ABC', 'CHAR(3) NOT NULL'], ['LOWER(s)', 'hello world', 'STRING'],
    ["TRIM('  ab  ')", 'ab'], ["TRIM(LEADING 'x' FROM 'xxabxx')", 'abxx'], ["TRIM(TRAILING 'x' FROM 'xxabxx')", 'xxab'],
    ["TRIM(BOTH 'xy' FROM 'xyabyx')", 'ab'], ["LTRIM('  ab ')", 'ab '], ["RTRIM('  ab ')", '  ab'],
    ['SUBSTRING(s, 7)', 'World', 'STRING'], ['SUBSTRING(s, 1, 5)', 'Hello'], ['SUBSTRING(s FROM 7 FOR 3)', 'Wor'],
    ['SUBSTR(s, -5)', 'World'], ['SUBSTRING(s, 0, 3)', 'Hel'], ['SUBSTRING(s, 20)', ''], ["SUBSTRING('abc', 2, 10)", 'bc'],
    ["POSITION('World' IN s)", '7', 'INT'], ["POSITION('x' IN s)", '0'], ["LOCATE('o', s)", '5'], ["LOCATE('o', s, 6)", '8'],
    ["INSTR(s, 'World')", '7'],
    ["REPLACE(s, 'World', 'Flink')", 'Hello Flink', 'STRING'], ["REPLACE('aaa', 'a', 'bb')", 'bbbbbb'],
    ["REGEXP_REPLACE('foobar', 'oo|ar', '')", 'fb'], ["REGEXP_REPLACE('2024-01-31', '(\\d+)-(\\d+)-(\\d+)', '$3/$2/$1')", '$3/$2/$1'],
    ["REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 2)", 'bar', 'STRING'], ["REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 1)", 'the'],
    ["REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)')", 'foothebar'], ["REGEXP_EXTRACT('foothebar', 'x(y)', 1)", 'NULL'],
    ["REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 3)", 'NULL'],
    ["REGEXP(s, 'W.r')", 'TRUE', 'BOOLEAN'], ["REGEXP(s, '^World')", 'FALSE'],
    ["SPLIT_INDEX('Jack,John,Mary', ',', 2)", 'Mary', 'STRING'], ["SPLIT_INDEX('Jack,John,Mary', ',', 3)", 'NULL'], ["SPLIT_INDEX('', ',', 0)", 'NULL'], ["SPLIT_INDEX('a b', '', 1)", 'b'],
    ["CONCAT('a', 'b', 'c')", 'abc', 'STRING NOT NULL'], ["CONCAT('a', n)", 'NULL', 'STRING'],
    ["CONCAT_WS('~', 'AA', NULL, 'BB', '', 'CC')", 'AA~BB~~CC', 'STRING NOT NULL'], ["CONCAT_WS(n, 'a')", 'NULL'],
    ["LPAD('hi', 4, '??')", '??hi', 'STRING'], ["LPAD('hi', 1, '??')", 'h'], ["RPAD('hi', 4, '??')", 'hi??'], ["RPAD('hi', 5, 'xy')", 'hixyx'],
    ["LPAD('hi', -1, '?')", 'NULL'], ["LPAD('hi', 4, '')", 'NULL'],
    ["INITCAP('hello wORLD, it''s me')", "Hello World, It'S Me"], ["REVERSE('abc')", 'cba'],
    ["REPEAT('ab', 3)", 'ababab'], ["REPEAT('ab', -1)", ''], ["LEFT('abcdef', 3)", 'abc'], ["RIGHT('abcdef', 2)", 'ef'], ["LEFT('ab', -1)", ''],
    ["MD5('hello')", '5d41402abc4b2a76b9719d911017c592', 'CHAR(32) NOT NULL'],
    ["SHA256('hello')", '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 'CHAR(64) NOT NULL'],
    ["SHA1('hello')", 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
    ["TO_BASE64('hello world')", 'aGVsbG8gd29ybGQ='], ["FROM_BASE64('aGVsbG8gd29ybGQ=')", 'hello world'],
    ["ASCII('abc')", '97', 'INT NOT NULL'], ["ASCII('')", '0'], ['CHR(97)', 'a', 'CHAR(1) NOT NULL'], ['CHR(353)', 'a'],
    ["STR_TO_MAP('a=1,b=2')", '{a=1, b=2}', 'MAP<STRING, STRING> NOT NULL'], ["STR_TO_MAP('a:1;b', ';', ':')", '{a=1, b=NULL}'],
    ["OVERLAY('abcdef' PLACING 'XY' FROM 2 FOR 3)", 'aXYef'], ["TRANSLATE('abc', 'ab', 'x')", 'xc'],
    ['TYPEOF(d)', 'DECIMAL(10, 2)'], ['CHAR_LENGTH(UUID())', '36'],
  ]);
});

test('math functions', () => {
  checkAll([
    ['ABS(i)', '7', 'INT'], ['ABS(-2.5)', '2.5', 'DECIMAL(2, 1) NOT NULL'], ['ABS(-2.5e0)', '2.5', 'DOUBLE NOT NULL'],
    ['MOD(7, 3)', '1', 'INT NOT NULL'], ['MOD(-7, 3)', '-1'], ['MOD(i, 4)', '-3', 'INT'], ['MOD(7.5, 2)', '1.5', 'DECIMAL(2, 1) NOT NULL'],
    ['POWER(2, 10)', '1024.0', 'DOUBLE NOT NULL'], ['SQRT(16)', '4.0', 'DOUBLE NOT NULL'], ['EXP(0)', '1.0'],
    ['LN(1)', '0.0'], ['LOG10(1000)', '3.0'], ['LOG2(8)', '3.0'], ['LOG(2, 8)', '3.0'], ['LOG(1)', '0.0'],
    ['CEIL(1.2)', '2', 'DECIMAL(2, 0) NOT NULL'], ['CEILING(-1.2)', '-1'], ['FLOOR(-1.2)', '-2', 'DECIMAL(2, 0) NOT NULL'],
    ['FLOOR(1.7e0)', '1.0', 'DOUBLE NOT NULL'], ['CEIL(i)', '-7', 'INT'], ['FLOOR(d)', '3', 'DECIMAL(9, 0)'],
    ['ROUND(2.675, 2)', '2.68', 'DECIMAL(4, 2) NOT NULL'], ['ROUND(d, 1)', '3.1', 'DECIMAL(10, 1)'], ['ROUND(-2.5)', '-3', 'DECIMAL(2, 0) NOT NULL'],
    ['ROUND(CAST(2.675 AS DOUBLE), 2)', '2.68', 'DOUBLE NOT NULL'], ['ROUND(1234, -2)', '1200', 'INT NOT NULL'], ['ROUND(1250, -2)', '1300'],
    ['ROUND(125.315)', '125', 'DECIMAL(4, 0) NOT NULL'], ['ROUND(125.315, -1)', '130', 'DECIMAL(4, 0) NOT NULL'],
    ['TRUNCATE(42.324, 2)', '42.32', 'DECIMAL(5, 2) NOT NULL'], ['TRUNCATE(-42.329, 2)', '-42.32'], ['TRUNCATE(CAST(42.324 AS DOUBLE), 1)', '42.3'],
    ['SIGN(i)', '-1', 'INT'], ['SIGN(-2.5e0)', '-1.0'], ['SIGN(d)', '1.00', 'DECIMAL(10, 2)'],
    ['PI()', '3.141592653589793', 'DOUBLE NOT NULL'], ['E()', '2.718281828459045'],
    ['SIN(0)', '0.0'], ['COS(0)', '1.0'], ['DEGREES(PI())', '180.0'], ['ATAN2(1, 1) * 4', '3.141592653589793'],
    ['GREATEST(1, 5, 3)', '5', 'INT NOT NULL'], ['LEAST(1, 5, 3)', '1'], ['GREATEST(1, i, NULL)', 'NULL', 'INT'],
    ["GREATEST('a', 'c', 'b')", 'c'], ['LEAST(2, 1.5)', '1.5', 'DECIMAL(11, 1) NOT NULL'],
    ['BIN(12)', '1100'], ['HEX(255)', 'FF'], ["HEX('ab')", '6162'],
  ]);
});

test('RAND(seed) and RAND_INTEGER(seed, n) follow java.util.Random', () => {
  const r = new JavaRandom(42);
  assert.equal(r.nextDouble(), 0.7275636800328681);
  assert.equal(r.nextDouble(), 0.6832234717598454);
  const c = compileExpr(parseExpression('RAND(42)'), scope, catalog);
  assert.equal(c.eval(ROW), 0.7275636800328681);
  assert.equal(c.eval(ROW), 0.6832234717598454);
  assert.ok(!c.isConstant);
  assert.equal(new JavaRandom(42).nextInt(10), 0);
  assert.equal(new JavaRandom(1).nextInt(100), 85);
  const ri = compileExpr(parseExpression('RAND_INTEGER(42, 10)'), scope, catalog);
  assert.equal(ri.eval(ROW), 0);
});

test('temporal functions', () => {
  checkAll([
    ["DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm')", '2024-01-31 10:30', 'STRING'], ["DATE_FORMAT(ts, 'yyyyMMdd')", '20240131'],
    ["DATE_FORMAT('2024-01-31 10:30:15', 'HH:mm:ss')", '10:30:15'], ["DATE_FORMAT('2024-01-31', 'yyyy')", 'NULL'],
    ["TO_TIMESTAMP('2024-01-31 10:30:15')", '2024-01-31 10:30:15.000', 'TIMESTAMP(3)'],
    ["TO_TIMESTAMP('31/01/2024 10', 'dd/MM/yyyy HH')", '2024-01-31 10:00:00.000'], ["TO_TIMESTAMP('garbage')", 'NULL'],
    ["TO_DATE('2024-01-31')", '2024-01-31', 'DATE'], ["TO_DATE('20240131', 'yyyyMMdd')", '2024-01-31'],
    ['TO_TIMESTAMP_LTZ(1706697015123, 3)', '2024-01-31 10:30:15.123', 'TIMESTAMP_LTZ(3) NOT NULL'],
    ['TO_TIMESTAMP_LTZ(1706697015, 0)', '2024-01-31 10:30:15.000'],
    ["UNIX_TIMESTAMP('1970-01-01 00:01:00')", '60', 'BIGINT'], ["UNIX_TIMESTAMP('2024/01/31', 'yyyy/MM/dd')", '1706659200'], ["UNIX_TIMESTAMP('2024-01-31 10:30:15.250')", '1706697015'],
    ['UNIX_TIMESTAMP()', String(NOW / 1000), 'BIGINT NOT NULL'],
    ['FROM_UNIXTIME(0)', '1970-01-01 00:00:00', 'STRING NOT NULL'], ["FROM_UNIXTIME(1706697015, 'yyyy-MM-dd')", '2024-01-31'],
    ['TIMESTAMPADD(HOUR, 2, ts)', '2024-01-31 12:30:15.123', 'TIMESTAMP(3)'], ['TIMESTAMPADD(MONTH, 1, ts)', '2024-02-29 10:30:15.123'],
    ["TIMESTAMPADD(DAY, -1, DATE '2024-03-01')", '2024-02-29', 'DATE NOT NULL'], ['TIMESTAMPADD(WEEK, 1, ts)', '2024-02-07 10:30:15.123'],
    ["TIMESTAMPDIFF(DAY, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-03 23:00:00')", '2', 'INT NOT NULL'],
    ["TIMESTAMPDIFF(HOUR, TIMESTAMP '2024-01-03 00:00:00', TIMESTAMP '2024-01-01 01:00:00')", '-47'],
    ["TIMESTAMPDIFF(MONTH, TIMESTAMP '2024-01-31 00:00:00', TIMESTAMP '2024-02-29 00:00:00')", '1'],
    ["TIMESTAMPDIFF(MONTH, TIMESTAMP '2024-01-15 10:00:00', TIMESTAMP '2024-02-15 09:00:00')", '0'],
    ["TIMESTAMPDIFF(MONTH, TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-03-15 00:00:00')", '2'],
    ["TIMESTAMPDIFF(YEAR, DATE '2020-06-01', DATE '2024-05-31')", '3'],
    ['YEAR(ts)', '2024', 'BIGINT'], ['QUARTER(ts)', '1'], ['MONTH(ts)', '1'], ['WEEK(ts)', '5'], ['DAYOFYEAR(ts)', '31'],
    ['DAYOFMONTH(ts)', '31'], ['DAYOFWEEK(ts)', '4'], ['HOUR(ts)', '10'], ['MINUTE(ts)', '30'], ['SECOND(ts)', '15'],
    ["YEAR(DATE '1994-09-27')", '1994', 'BIGINT NOT NULL'],
    ["CONVERT_TZ('1970-01-01 00:00:00', 'UTC', 'America/Los_Angeles')", '1969-12-31 16:00:00'],
    ["CONVERT_TZ('2024-07-01 12:00:00', 'Europe/Berlin', 'UTC')", '2024-07-01 10:00:00'],
    ['CURRENT_TIMESTAMP', '2024-06-01 12:00:00.000', 'TIMESTAMP_LTZ(3) NOT NULL'], ['NOW()', '2024-06-01 12:00:00.000'],
    ['CURRENT_DATE', '2024-06-01', 'DATE NOT NULL'], ['LOCALTIMESTAMP', '2024-06-01 12:00:00.000', 'TIMESTAMP(3) NOT NULL'],
    ['PROCTIME()', '2024-06-01 12:00:00.000', 'TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*'],
    ['FLOOR(ts TO HOUR)', '2024-01-31 10:00:00.000', 'TIMESTAMP(3)'], ['CEIL(ts TO HOUR)', '2024-01-31 11:00:00.000'],
    ['FLOOR(ts TO DAY)', '2024-01-31 00:00:00.000'], ['FLOOR(ts TO MONTH)', '2024-01-01 00:00:00.000'], ['CEIL(ts TO MONTH)', '2024-02-01 00:00:00.000'],
    ['FLOOR(ts TO YEAR)', '2024-01-01 00:00:00.000'], ['FLOOR(ts TO QUARTER)', '2024-01-01 00:00:00.000'], ['FLOOR(ts TO WEEK)', '2024-01-28 00:00:00.000'],
    ['FLOOR(ts TO MINUTE)', '2024-01-31 10:30:00.000'], ["CEIL(TIMESTAMP '2024-01-31 10:00:00' TO HOUR)", '2024-01-31 10:00:00'],
    ["FLOOR(DATE '2024-05-17' TO MONTH)", '2024-05-01', 'DATE NOT NULL'],
  ]);
});

test('temporal functions in a session time zone', () => {
  checkAll([
    ['CURRENT_TIMESTAMP', '2024-06-01 20:00:00.000'], ['LOCALTIMESTAMP', '2024-06-01 20:00:00.000'],
    ['HOUR(ltz)', '18'], ["DATE_FORMAT(ltz, 'HH:mm')", '18:30'], ['FROM_UNIXTIME(0)', '1970-01-01 08:00:00'],
    ["UNIX_TIMESTAMP('1970-01-01 08:00:00')", '0'], ['CAST(ltz AS STRING)', '2024-01-31 18:30:15.123'],
    ['FLOOR(ltz TO DAY)', '2024-01-31 00:00:00.000', 'TIMESTAMP_LTZ(3)'],
  ], 'Asia/Shanghai');
});

test('JSON functions', () => {
  const doc = `'{"a": {"b": [1, 2, {"c": "x"}]}, "t": true, "s": "str", "n": null}'`;
  checkAll([
    [`JSON_VALUE(${doc}, '$.a.b[0]')`, '1', 'STRING'], [`JSON_VALUE(${doc}, '$.a.b[2].c')`, 'x'], [`JSON_VALUE(${doc}, '$.s')`, 'str'],
    [`JSON_VALUE(${doc}, '$.t')`, 'true'], [`JSON_VALUE(${doc}, '$.a')`, 'NULL'], [`JSON_VALUE(${doc}, '$.missing')`, 'NULL'],
    [`JSON_VALUE(${doc}, 'lax $.a.b[1]')`, '2'], [`JSON_VALUE('not json', '$.a')`, 'NULL'], [`JSON_VALUE(${doc}, '$[''s'']')`, 'str'],
    [`JSON_QUERY(${doc}, '$.a')`, '{"b":[1,2,{"c":"x"}]}', 'STRING'], [`JSON_QUERY(${doc}, '$.a.b')`, '[1,2,{"c":"x"}]'],
    [`JSON_QUERY(${doc}, '$.s')`, 'NULL'], [`JSON_QUERY(${doc}, '$.a.b[*]')`, '[1,2,{"c":"x"}]'],
    [`JSON_EXISTS(${doc}, '$.a.b')`, 'TRUE', 'BOOLEAN NOT NULL'], [`JSON_EXISTS(${doc}, '$.z')`, 'FALSE'], [`JSON_EXISTS(${doc}, '$.n')`, 'FALSE'], [`JSON_EXISTS(${doc}, 'strict $.n' TRUE ON ERROR)`, 'TRUE'],
    ["JSON_STRING(1)", '1'], ["JSON_STRING('Hello, World!')", '"Hello, World!"'], ['JSON_STRING(ARRAY[1, 2])', '[1,2]'],
    ['JSON_STRING(d)', '3.14'], ["JSON_STRING(TIMESTAMP '2024-01-01 10:00:00')", '"2024-01-01 10:00:00"'],
    ["JSON_ARRAY(1, 'a', NULL, TRUE)", '[1,"a",true]', 'STRING NOT NULL'], ['JSON_ARRAY()', '[]'],
    ["JSON_ARRAY(1, NULL NULL ON NULL)", '[1,null]'],
    ["JSON_OBJECT(KEY 'K1' VALUE 'V1', KEY 'K2' VALUE 1)", '{"K1":"V1","K2":1}', 'STRING NOT NULL'],
    ["JSON_OBJECT(KEY 'K1' VALUE CAST(NULL AS STRING))", '{"K1":null}'],
    ["JSON_OBJECT(KEY 'K1' VALUE CAST(NULL AS STRING) ABSENT ON NULL)", '{}'],
    ["JSON_OBJECT(KEY 'K1' VALUE JSON_OBJECT(KEY 'A' VALUE ARRAY[1]))", '{"K1":{"A":[1]}}'],
    ["JSON_OBJECT(KEY 'K' VALUE JSON_ARRAY(1, 2))", '{"K":[1,2]}'],
    [`JSON_VALUE(${doc}, '$.a.b[0]' RETURNING INT)`, '1', 'INT'],
    [`JSON_VALUE(${doc}, '$.t' RETURNING BOOLEAN)`, 'TRUE', 'BOOLEAN'],
    [`JSON_VALUE(${doc}, 'lax $.missing' RETURNING INT DEFAULT 42 ON EMPTY)`, '42', 'INT'],
    [`JSON_VALUE(${doc}, '$.missing' RETURNING INT DEFAULT 42 ON EMPTY DEFAULT 7 ON ERROR)`, '7', 'INT'],
    [`JSON_VALUE(${doc}, '$.a' DEFAULT 'bad' ON ERROR)`, 'bad'],
    [`JSON_VALUE(${doc}, '$.s' RETURNING INT DEFAULT -1 ON ERROR)`, '-1'],
    [`JSON_QUERY(${doc}, '$.s' WITH WRAPPER)`, '["str"]'], [`JSON_QUERY(${doc}, '$.a' WITH CONDITIONAL WRAPPER)`, '{"b":[1,2,{"c":"x"}]}'],
    [`JSON_QUERY(${doc}, 'lax $.z' EMPTY ARRAY ON EMPTY)`, '[]'], [`JSON_QUERY(${doc}, '$.z' EMPTY ARRAY ON EMPTY)`, 'NULL'], [`JSON_QUERY(${doc}, '$.s' EMPTY OBJECT ON ERROR)`, '{}'],
    [`JSON_EXISTS('{bad', '$.a' TRUE ON ERROR)`, 'TRUE'],
  ]);
  assert.throws(() => run(`JSON_VALUE(${doc}, 'lax $.missing' ERROR ON EMPTY)`), /JSON_VALUE: the path selects nothing/);
  assert.throws(() => run(`JSON_VALUE(${doc}, '$.missing' ERROR ON ERROR)`), /JSON_VALUE: the input is not JSON or the path does not select a scalar/);
  assert.throws(() => run("JSON_VALUE(s, 'a.b')"), /Illegal jsonpath spec/);
});

test('collection functions', () => {
  checkAll([
    ['CARDINALITY(arr)', '2', 'INT'], ['CARDINALITY(m)', '1', 'INT'], ['ELEMENT(ARRAY[5])', '5', 'INT'],
    ["ARRAY_CONTAINS(arr, 'b')", 'TRUE', 'BOOLEAN'], ["ARRAY_CONTAINS(arr, 'z')", 'FALSE'],
    ['MAP_KEYS(m)', '[k]', 'ARRAY<STRING>'], ['MAP_VALUES(m)', '[1]', 'ARRAY<INT>'],
    ["MAP_KEYS(MAP['a', 1])", '[a]', 'ARRAY<CHAR(1) NOT NULL> NOT NULL'],
    ["ARRAY_POSITION(arr, 'b')", '2', 'INT'], ["ARRAY_POSITION(arr, 'z')", '0'], ['ARRAY_REMOVE(ARRAY[1, 2, 1], 1)', '[2]'],
    ['ARRAY_DISTINCT(ARRAY[1, 2, 1, 3])', '[1, 2, 3]'], ['ARRAY_REVERSE(ARRAY[1, 2])', '[2, 1]'],
    ['ARRAY_CONCAT(ARRAY[1], ARRAY[2, 3])', '[1, 2, 3]', 'ARRAY<INT NOT NULL> NOT NULL'],
    ["ARRAY_JOIN(ARRAY['a', CAST(NULL AS STRING), 'b'], '-')", 'a-b'], ["ARRAY_JOIN(ARRAY['a', CAST(NULL AS STRING)], '-', '?')", 'a-?'],
    ['ARRAY_MAX(ARRAY[1, 5, 3])', '5', 'INT'], ['ARRAY_MIN(ARRAY[4, 2])', '2'],
    ['MAP_ENTRIES(m)', '[(k, 1)]'], ["MAP_FROM_ARRAYS(ARRAY['a', 'b'], ARRAY[1, 2])", '{a=1, b=2}'],
  ]);
  assert.throws(() => run('ELEMENT(arr)'), /at most one/);
});

test('function errors use Flink wording and positions', () => {
  assert.throws(() => run("  SUBSTRING(1, 2)"), (e: unknown) => e instanceof SqlTypeError
    && /Cannot apply 'SUBSTRING' to arguments of type 'SUBSTRING\(<INT>, <INT>\)'. Supported form\(s\): 'SUBSTRING\(<STRING>, <INTEGER>\[, <INTEGER>\]\)'/.test(e.message)
    && e.column === 3);
  assert.throws(() => run('ROUND(d, i)'), /ROUND on a DECIMAL must be an integer literal/);
  assert.throws(() => run("REGEXP(s, '(')"), /Invalid regular expression '\(' in REGEXP/);
  assert.throws(() => run("DATE_FORMAT(ts, 'yyyy-qq')"), /unsupported date pattern letter 'q'/);
  assert.throws(() => run('TIMESTAMPADD(FORTNIGHT, 1, ts)'), /not a valid time unit/);
  assert.throws(() => run('TO_TIMESTAMP_LTZ(1, 6)'), /must be 0 \(seconds\) or 3 \(milliseconds\)/);
});

// ---------------------------------------------------------------- aggregates

function agg(name: string, argTypes: string[], rows: unknown[][], options: AggregateOptions = {}): { value: string; type: string; acc: Accumulator; state: unknown } {
  const types = argTypes.map(parseSqlType);
  const acc = catalog.resolveAggregate(name, types, options);
  const state = acc.create();
  for (const r of rows) acc.add(state, r);
  return { value: formatValue(acc.result(state), acc.resultType), type: typeToString(acc.resultType), acc, state };
}
const D = (s: string): Decimal => Decimal.parse(s);

test('aggregate results and result types match Flink', () => {
  const cases: [string, string[], unknown[][], string, string][] = [
    ['COUNT', [], [[], [], []], '3', 'BIGINT NOT NULL'],
    ['COUNT', ['INT'], [[1], [null], [3]], '2', 'BIGINT NOT NULL'],
    ['COUNT', ['INT'], [], '0', 'BIGINT NOT NULL'],
    ['SUM', ['INT'], [[1], [null], [3]], '4', 'INT'],
    ['SUM', ['INT'], [], 'NULL', 'INT'],
    ['SUM', ['INT'], [[null]], 'NULL', 'INT'],
    ['SUM', ['INT'], [[2147483647], [1]], '-2147483648', 'INT'],
    ['SUM', ['BIGINT'], [[2147483647], [1]], '2147483648', 'BIGINT'],
    ['SUM', ['DECIMAL(10, 2)'], [[D('1.10')], [D('2.25')]], '3.35', 'DECIMAL(38, 2)'],
    ['SUM', ['DOUBLE'], [[0.1], [0.2]], '0.30000000000000004', 'DOUBLE'],
    ['SUM0', ['INT'], [], '0', 'INT NOT NULL'],
    ['AVG', ['INT'], [[1], [2]], '1', 'INT'],
    ['AVG', ['INT'], [[-1], [-2]], '-1', 'INT'],
    ['AVG', ['INT'], [[2147483647], [2147483647]], '2147483647', 'INT'],
    ['AVG', ['DOUBLE'], [[1], [2]], '1.5', 'DOUBLE'],
    ['AVG', ['DECIMAL(10, 2)'], [[D('1.00')], [D('2.00')], [D('2.00')]], '1.666667', 'DECIMAL(38, 6)'],
    ['AVG', ['DECIMAL(20, 8)'], [[D('1')], [D('2')]], '1.50000000', 'DECIMAL(38, 8)'],
    ['AVG', ['BIGINT'], [], 'NULL', 'BIGINT'],
    ['MIN', ['STRING'], [['b'], ['a'], [null], ['c']], 'a', 'STRING'],
    ['MAX', ['STRING'], [['b'], ['a'], ['c']], 'c', 'STRING'],
    ['MAX', ['TIMESTAMP(3)'], [[1000], [5000], [3000]], '1970-01-01 00:00:05.000', 'TIMESTAMP(3)'],
    ['MIN', ['DECIMAL(10, 2)'], [[D('2.50')], [D('10.00')]], '2.50', 'DECIMAL(10, 2)'],
    ['MAX', ['INT NOT NULL'], [[1], [3]], '3', 'INT'],
    ['MIN', ['INT'], [], 'NULL', 'INT'],
    ['FIRST_VALUE', ['STRING'], [[null], ['a'], ['b']], 'a', 'STRING'],
    ['LAST_VALUE', ['STRING'], [['a'], ['b'], [null]], 'b', 'STRING'],
    ['LISTAGG', ['STRING'], [['a'], [null], ['b']], 'a,b', 'STRING'],
    ['LISTAGG', ['STRING', 'STRING'], [['a', '|'], ['b', '|']], 'a|b', 'STRING'],
    ['VAR_POP', ['DOUBLE'], [[1], [2], [3], [4]], '1.25', 'DOUBLE'],
    ['VAR_SAMP', ['DOUBLE'], [[1], [2], [3], [4]], '1.6666666666666667', 'DOUBLE'],
    ['STDDEV_POP', ['DOUBLE'], [[2], [4], [4], [4], [5], [5], [7], [9]], '2.0', 'DOUBLE'],
    ['STDDEV_SAMP', ['DOUBLE'], [[1]], 'NULL', 'DOUBLE'],
    ['STDDEV_POP', ['INT'], [[1], [2], [3], [4]], '1', 'INT'],
    ['BOOL_AND', ['BOOLEAN'], [[true], [false], [null]], 'FALSE', 'BOOLEAN'],
    ['BOOL_OR', ['BOOLEAN'], [[true], [false]], 'TRUE', 'BOOLEAN'],
    ['COLLECT', ['INT'], [[1], [1], [null]], '[1, 1]', 'MULTISET<INT> NOT NULL'],
    ['JSON_ARRAYAGG', ['INT'], [[1], [null], [2]], '[1,2]', 'STRING NOT NULL'],
    ['JSON_OBJECTAGG', ['STRING', 'INT'], [['a', 1], ['b', null]], '{"a":1,"b":null}', 'STRING NOT NULL'],
  ];
  const wrong: string[] = [];
  for (const [name, types, rows, value, type] of cases) {
    const r = agg(name, types, rows);
    if (r.value !== value || r.type !== type) wrong.push(`${name}(${types.join(', ')}): got ${r.value} :: ${r.type}, want ${value} :: ${type}`);
  }
  assert.deepEqual(wrong, []);
});

test('aggregates retract and merge', () => {
  const sum = agg('SUM', ['INT'], [[1], [2], [3]]);
  sum.acc.retract!(sum.state, [2]);
  assert.equal(sum.acc.result(sum.state), 4);
  sum.acc.retract!(sum.state, [1]);
  sum.acc.retract!(sum.state, [3]);
  assert.equal(sum.acc.result(sum.state), null, 'SUM of nothing left is NULL');

  const avg = agg('AVG', ['DOUBLE'], [[1], [2], [6]]);
  avg.acc.retract!(avg.state, [6]);
  assert.equal(avg.acc.result(avg.state), 1.5);

  const cnt = agg('COUNT', ['INT'], [[1], [null]]);
  cnt.acc.retract!(cnt.state, [1]);
  cnt.acc.retract!(cnt.state, [null]);
  assert.equal(cnt.acc.result(cnt.state), 0);

  const max = agg('MAX', ['INT'], [[5], [9], [9], [3]], { retraction: true });
  max.acc.retract!(max.state, [9]);
  assert.equal(max.acc.result(max.state), 9, 'one 9 is still there');
  max.acc.retract!(max.state, [9]);
  assert.equal(max.acc.result(max.state), 5);
  max.acc.retract!(max.state, [5]);
  max.acc.retract!(max.state, [3]);
  assert.equal(max.acc.result(max.state), null);

  const first = agg('FIRST_VALUE', ['STRING'], [['a'], ['b']], { retraction: true });
  first.acc.retract!(first.state, ['a']);
  assert.equal(first.acc.result(first.state), 'b');

  const a = agg('SUM', ['DECIMAL(10, 2)'], [[D('1.10')]]);
  const b = agg('SUM', ['DECIMAL(10, 2)'], [[D('2.20')]]);
  a.acc.merge!(a.state, b.state);
  assert.equal(formatValue(a.acc.result(a.state), a.acc.resultType), '3.30');

  const m1 = agg('MIN', ['INT'], [[4]]);
  const m2 = agg('MIN', ['INT'], [[2]]);
  m1.acc.merge!(m1.state, m2.state);
  assert.equal(m1.acc.result(m1.state), 2);

  assert.equal(agg('MIN', ['INT'], []).acc.retract, undefined, 'append-only MIN keeps no multiset');
  assert.equal(agg('JSON_ARRAYAGG', ['INT'], [[1], [null]], { jsonOnNull: 'NULL' }).value, '[1,null]');
  assert.equal(agg('JSON_OBJECTAGG', ['STRING', 'INT'], [['a', null]], { jsonOnNull: 'ABSENT' }).value, '{}');
});

test('aggregate type errors', () => {
  assert.throws(() => catalog.resolveAggregate('SUM', [T.string()]), /Cannot apply 'SUM' to arguments of type 'SUM\(<STRING>\)'/);
  assert.throws(() => catalog.resolveAggregate('AVG', [T.boolean()]), /Cannot apply 'AVG'/);
  assert.throws(() => catalog.resolveAggregate('NOPE', [T.int()]), /No match found for aggregate function 'NOPE'/);
  assert.throws(() => catalog.resolveAggregate('SUM', [T.int(), T.int()]), /Invalid number of arguments to function 'SUM'/);
});

// ---------------------------------------------------------------- user functions

test('user scalar, aggregate and table functions', () => {
  const cat = new FunctionCatalog();
  cat.registerScalar('add_tax', { eval: (x: number | null) => (x === null ? null : x * 1.5), resultType: 'DOUBLE', argTypes: ['DOUBLE'] });
  cat.registerScalar('my_len', { eval: (s: string | null) => (s === null ? -1 : s.length), resultType: (args: SqlType[]) => (args.length ? 'INT NOT NULL' : 'INT') });
  const sc = new Scope([{ name: 'p', type: T.int() }, { name: 's', type: T.string() }]);
  const c = compileExpr(parseExpression('add_tax(p) + my_len(s)'), sc, cat);
  assert.equal(c.eval([2, null]), 2);
  assert.equal(typeToString(c.type), 'DOUBLE');
  assert.equal(cat.kind('ADD_TAX'), 'scalar');
  assert.throws(() => compileExpr(parseExpression('add_tax(s)'), sc, cat), /Cannot apply 'ADD_TAX' to arguments of type 'ADD_TAX\(<STRING>\)'/);
  assert.throws(() => cat.registerScalar('add_tax', { eval: () => 1, resultType: 'INT' }), /Function 'add_tax' already exists/);
  assert.throws(() => cat.registerScalar('upper', { eval: () => 1, resultType: 'INT' }), /built-in function/);
  cat.registerScalar('add_tax', { eval: () => 1, resultType: 'INT' }, { replace: true });
  assert.equal(compileExpr(parseExpression('add_tax()'), sc, cat).eval([]), 1);

  cat.registerAggregate('weighted_avg', {
    createAccumulator: () => ({ sum: 0, weight: 0 }),
    accumulate: (acc: { sum: number; weight: number }, v: number | null, w: number | null) => {
      if (v !== null && w !== null) { acc.sum += v * w; acc.weight += w; }
    },
    getValue: (acc: { sum: number; weight: number }) => (acc.weight === 0 ? null : acc.sum / acc.weight),
    resultType: 'DOUBLE',
  });
  const wa = cat.resolveAggregate('WEIGHTED_AVG', [T.int(), T.int()]);
  const st = wa.create();
  wa.add(st, [10, 1]);
  wa.add(st, [20, 3]);
  assert.equal(wa.result(st), 17.5);
  assert.equal(wa.retract, undefined);
  assert.throws(() => cat.resolveAggregate('WEIGHTED_AVG', [T.int(), T.int()], { retraction: true }), /cannot retract/);

  cat.registerTable('split_words', {
    eval: function* (s: string) { for (const w of s.split(' ')) yield [w, w.length]; },
    resultType: 'ROW<word STRING, len INT>',
  });
  const tf = cat.table('split_words')!;
  const rt = tf.inferType([T.string()]);
  assert.equal(typeToString(rt), 'ROW<`word` STRING, `len` INT>');
  assert.deepEqual([...tf.create([T.string()], rt, { timeZone: 'UTC', now: Date.now })('a bb')], [['a', 1], ['bb', 2]]);
  assert.throws(() => compileExpr(parseExpression('split_words(s)'), sc, cat), /Table function 'SPLIT_WORDS' can only be called in FROM/);
  assert.ok(cat.drop('split_words'));
  assert.ok(!cat.drop('upper'), 'built-ins cannot be dropped');
  assert.ok(cat.list().some((f) => f.name === 'WEIGHTED_AVG' && f.kind === 'aggregate' && f.user));
});
