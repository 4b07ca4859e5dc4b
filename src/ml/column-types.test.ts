import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../core/errors.js';
import { convertValue, parseColumnType, parseOutputColumns } from './column-types.js';

describe('column types', () => {
  it('parses OUTPUT column lists', () => {
    assert.deepEqual(parseOutputColumns('(score DOUBLE, label BIGINT)'), [
      { name: 'score', type: 'DOUBLE' },
      { name: 'label', type: 'BIGINT' },
    ]);
    assert.deepEqual(parseOutputColumns('amount DECIMAL(10, 2) NOT NULL, `odd name` varchar(3), bare'), [
      { name: 'amount', type: 'DECIMAL(10, 2) NOT NULL' },
      { name: 'odd name', type: 'varchar(3)' },
      { name: 'bare' },
    ]);
    assert.throws(() => parseOutputColumns('score DOUBLE, 9lives INT'), UserError);
    assert.throws(() => parseOutputColumns('score MAP<INT, INT>'), /unsupported model output type/);
  });

  it('reads type families and ranges', () => {
    assert.deepEqual(parseColumnType('double precision'), { sql: 'DOUBLE PRECISION', kind: 'double' });
    assert.deepEqual(parseColumnType('SMALLINT'), { sql: 'SMALLINT', kind: 'integer', range: [-32768, 32767] });
    assert.deepEqual(parseColumnType('DECIMAL(8,3)'), { sql: 'DECIMAL', kind: 'decimal', scale: 3 });
  });

  it('converts tensor values', () => {
    const t = parseColumnType;
    assert.equal(convertValue(7n, t('BIGINT'), 'c'), 7);
    assert.throws(() => convertValue(2n ** 60n, t('BIGINT'), 'c'), /outside the safe integer range/);
    assert.equal(convertValue(0.1, t('FLOAT'), 'c'), Math.fround(0.1));
    assert.equal(convertValue(0.125, t('DECIMAL(5,1)'), 'c'), 0.1);
    assert.equal(convertValue(1n, t('BOOLEAN'), 'c'), true);
    assert.equal(convertValue(0, t('BOOLEAN'), 'c'), false);
    assert.equal(convertValue(3n, t('STRING'), 'c'), '3');
    assert.equal(convertValue(2.9, t('INT'), 'c'), 2);
    assert.throws(() => convertValue(Number.NaN, t('INT'), 'c'), /output column "c" is INT but the model gave NaN: not a finite number/);
    assert.throws(() => convertValue('x', t('DOUBLE'), 'c'), /not a number/);
    assert.equal(convertValue(5, undefined, 'c'), 5);
  });
});
