import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoringTimeout } from '../scoring-group.js';
import { type Scorer, scoreRows, scoringStats } from './scorer.js';

const MAPPING = { inputs: ['a'], outputs: 'score DOUBLE' };

test('scoreRows counts every kind of timeout as a timeout, other failures as model errors', async () => {
  const failing = (err: unknown): Scorer => ({ label: () => 'm', scoreSettled: () => Promise.reject(err) });
  const stats = scoringStats();
  const kinds: string[] = [];
  const warn = (kind: string): void => { kinds.push(kind); };
  const rows = [{ a: 1 }, { a: 2 }];
  // Our own time limit, and a scorer's error marked `timedOut` (not a RemoteTimeoutError).
  for (const err of [new ScoringTimeout('slow'), Object.assign(new Error('deadline'), { timedOut: true })]) {
    const out = await scoreRows(failing(err), rows, MAPPING, stats, warn);
    assert.deepEqual(out, [err, err]);
  }
  await scoreRows(failing(new Error('boom')), rows, MAPPING, stats, warn);
  assert.deepEqual([stats.timeouts, stats.modelErrors], [2, 1]);
  assert.deepEqual(kinds, ['timeout', 'timeout', 'model-error']);
});
