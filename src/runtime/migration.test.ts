import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COUNTING_RECORDS, countingJob } from './testing/counting-job.js';
import { CheckpointStorage, unpackSubtask } from './checkpoint-storage.js';

// Stored snapshots written by earlier versions of weir. A change to a state format must keep these
// readable (or migrate them): that is what a version field is for.
const FIXTURES = ['counting-v1'];
const fixture = (name: string) => fileURLToPath(new URL(`../../../src/runtime/testdata/${name}`, import.meta.url));

for (const name of FIXTURES) {
  test(`restores the stored checkpoint ${name} and finishes with exact counts`, async () => {
    const stored = new CheckpointStorage(fixture(name), Number.MAX_SAFE_INTEGER).latest();
    assert.ok(stored, 'the fixture is readable');
    const source = unpackSubtask(stored.subtasks.find((s) => s.node === 0)!);
    const position = (source.state as { position: number }).position;
    assert.ok(position > 0 && position < COUNTING_RECORDS, `the fixture was cut mid-stream (position ${position})`);

    const dir = mkdtempSync(join(tmpdir(), 'weir-migrate-'));
    try {
      const job = countingJob(dir, fixture(name));
      await job.done;
      const rows = job.collected<[number, number, number]>('counts').map((r) => r.value);
      assert.equal(rows[0]![2], position, 'the source resumes at the stored position');
      const final = new Map<number, number>();
      for (const [k, c] of rows) final.set(k, Math.max(final.get(k) ?? 0, c));
      for (let k = 0; k < 10; k++) assert.equal(final.get(k), COUNTING_RECORDS / 10, `count of key ${k}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
