import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportTrainingData } from './export.js';
import { MemoryFeatureHistory } from './feature-history.js';
import { parseCsv, csvLine } from './csv.js';

test('each label gets the features as they were at its time, never later ones', async () => {
  const history = new MemoryFeatureHistory()
    .add('c1', 1000, { spend: 10, country: 'US' })
    .add('c1', 3000, { spend: 30, country: 'FR' })
    .add('c1', 2000, { spend: 20, country: 'DE' })
    .add('c2', 5000, { spend: 1 });
  const { text, matched, rows } = await exportTrainingData({
    format: 'csv',
    features: history,
    labels: [
      { key: 'c1', label: 0, time: 999 },
      { key: 'c1', label: 1, time: 1000 },
      { key: 'c1', label: 0, time: 2999 },
      { key: 'c1', label: 1, time: 10_000 },
      { key: 'c2', label: 0, time: 4999 },
      { key: 'c3', label: 1, time: 10_000 },
    ],
  });
  assert.equal(rows, 6);
  assert.equal(matched, 3);
  assert.deepEqual(parseCsv(text), [
    ['key', 'time', 'label', 'feature_time', 'country', 'spend'],
    ['c1', '999', '0', '', '', ''],
    ['c1', '1000', '1', '1000', 'US', '10'],
    ['c1', '2999', '0', '2000', 'DE', '20'],
    ['c1', '10000', '1', '3000', 'FR', '30'],
    ['c2', '4999', '0', '', ''],
    ['c3', '10000', '1', '', '', ''],
  ].map((r) => (r.length === 5 ? [...r, ''] : r)));
});

test('CSV quoting round-trips commas, quotes and line breaks', () => {
  const fields = ['plain', 'a,b', 'say "hi"', 'two\nlines', ''];
  assert.deepEqual(parseCsv(csvLine(fields) + csvLine(['x'])), [fields, ['x']]);
  assert.throws(() => parseCsv('a,"b\n'), /never closed/);
});
