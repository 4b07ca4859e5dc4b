import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { COUNTING_RECORDS, countingJob } from './testing/counting-job.js';
import { sendControl } from './control-server.js';
import { CheckpointStorage, packSubtask } from './checkpoint-storage.js';

const N = COUNTING_RECORDS;

test('a savepoint taken through the control socket restores state and source position', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-sp-'));
  try {
    const first = countingJob(join(root, 'cp1'), undefined, 1000);
    await new Promise((r) => setTimeout(r, 400));
    const reply = await sendControl(join(root, 'cp1'), { cmd: 'savepoint', target: join(root, 'sp') });
    assert.equal(reply.ok, true, String(reply.error));
    await first.cancel();
    const seenFirst = first.collected<[number, number, number]>('counts').length;
    assert.ok(seenFirst > 0 && seenFirst < N, `first run saw ${seenFirst} records`);

    const second = countingJob(join(root, 'cp2'), String(reply.path));
    await second.done;
    const rows = second.collected<[number, number, number]>('counts').map((r) => r.value);
    // The second run starts where the savepoint's source position was, with the counts it had then.
    const firstN = rows[0]![2];
    assert.ok(firstN > 0, 'the restored source resumes past the start');
    const final = new Map<number, number>();
    for (const [k, c] of rows) final.set(k, Math.max(final.get(k) ?? 0, c));
    for (let k = 0; k < 10; k++) assert.equal(final.get(k), N / 10, `key ${k}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a corrupt latest checkpoint is skipped for the previous complete one, with a log line', async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-cp-'));
  try {
    const lines: string[] = [];
    const storage = new CheckpointStorage(root, 5, (m) => lines.push(m));
    const cp = (id: number) => ({ id, timestamp: id, final: false, jobName: 'j', topology: [], subtasks: [packSubtask({ node: 0, name: 'x', subtask: 0, state: { id } })] });
    await storage.write(cp(1));
    await storage.write(cp(2));
    // Flip a byte in the middle of checkpoint 2, and leave a half-written checkpoint 3 behind.
    const file = join(root, 'chk-2', 'state');
    const { readFileSync } = await import('node:fs');
    const buf = readFileSync(file);
    buf[Math.floor(buf.length / 2)]! ^= 0xff;
    writeFileSync(file, buf);
    writeFileSync(join(root, '.chk-3.tmp'), 'partial');
    const latest = storage.latest();
    assert.equal(latest?.id, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /checkpoint 2 .* unreadable \(checksum mismatch\); falling back to the previous complete checkpoint/);
    assert.ok(!readdirSync(root).includes('chk-3'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('restoring a checkpoint of a different job graph is refused with a hint', async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-cp-'));
  try {
    const a = StreamExecutionEnvironment.create({ checkpointing: { intervalMs: 1000, dir: root } });
    a.fromArray([1, 2, 3]).map((x) => x).collect();
    await a.execute().done;
    const b = StreamExecutionEnvironment.create({ checkpointing: { intervalMs: 1000, dir: root } });
    b.fromArray([1, 2, 3]).filter((x) => x > 1).map((x) => x).collect();
    assert.throws(() => b.execute(), /different job graph/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
