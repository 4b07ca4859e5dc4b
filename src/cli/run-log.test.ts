import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Log } from '../log/index.js';
import { runCommand } from './run.js';

test('SQL over the embedded log: a bounded topic through a window aggregation into another topic', async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-logsql-'));
  const dir = join(root, 'log');
  try {
    const log = await Log.open(dir, { fsync: 'never' });
    await log.createTopic('clicks', { partitions: 2 });
    await log.createTopic('counts', { partitions: 1 });
    const producer = log.producer();
    const records = [];
    for (let n = 0; n < 1000; n++) {
      const ts = new Date(Date.UTC(2026, 0, 1) + n * 100).toISOString().replace('T', ' ').slice(0, 23);
      records.push({ key: `u${n % 3}`, value: JSON.stringify({ user_id: `u${n % 3}`, ts }) });
    }
    records.push({ key: 'bad', value: '{not json' });
    await producer.send('clicks', records);
    await log.close();

    const sql = `
      CREATE TABLE clicks (user_id STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
        WITH ('connector' = 'log', 'path' = '${dir}', 'topic' = 'clicks', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset',
              'scan.bounded.mode' = 'latest-offset', 'json.ignore-parse-errors' = 'true');
      CREATE TABLE counts (user_id STRING, window_start TIMESTAMP(3), n BIGINT)
        WITH ('connector' = 'log', 'path' = '${dir}', 'topic' = 'counts', 'format' = 'json', 'key.fields' = 'user_id');
      INSERT INTO counts
      SELECT user_id, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY user_id, window_start, window_end;`;
    writeFileSync(join(root, 'job.sql'), sql);
    let err = '';
    const code = await runCommand([join(root, 'job.sql'), '--checkpoint-dir', join(root, 'cp')], {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => { err += s; return true; } } as unknown as NodeJS.WritableStream,
    });
    assert.equal(code, 0, err);

    const check = await Log.open(dir, { fsync: 'never' });
    try {
      const consumer = check.consumer({ topics: ['counts'], isolation: 'read_committed' });
      const rows = (await consumer.poll({ maxRecords: 10_000 })).map((r) => JSON.parse(String(r.value)) as { user_id: string; n: number });
      // 1000 clicks, 10 s windows of 100 clicks, split over 3 users.
      assert.equal(rows.length, 30);
      assert.equal(rows.reduce((s, r) => s + r.n, 0), 1000);
    } finally {
      await check.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
