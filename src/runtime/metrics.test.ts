import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { prometheusText } from './metrics.js';

test('operator and checkpoint metrics in Prometheus text format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-metrics-'));
  try {
    const env = StreamExecutionEnvironment.create({ checkpointing: { intervalMs: 1000, dir } });
    env.fromArray([1, 2, 3, 4]).filter((x) => x % 2 === 0).name('evens').collect();
    const job = env.execute('metrics "demo"');
    await job.done;
    const text = job.prometheus();
    assert.match(text, /# TYPE weir_operator_records_in_total counter/);
    assert.match(text, /weir_operator_records_in_total\{job="metrics \\"demo\\"",operator="evens",node="1",subtask="0"\} 4/);
    assert.match(text, /weir_operator_records_out_total\{job="metrics \\"demo\\"",operator="evens",node="1",subtask="0"\} 2/);
    assert.match(text, /weir_checkpoints_completed_total\{job="metrics \\"demo\\""\} 1/);
    assert.match(text, /weir_checkpoint_last_size_bytes\{[^}]*\} \d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metrics are served over HTTP while the job runs', async () => {
  const env = StreamExecutionEnvironment.create({ metricsPort: 0 });
  const { fromAsyncIterable } = await import('./source.js');
  env.fromSource(fromAsyncIterable(async function* () { for (let i = 0; ; i++) { yield i; await new Promise((r) => setTimeout(r, 1)); } })).collect();
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => { lines.push(String(s)); return true; }) as typeof process.stderr.write;
  const job = env.execute('served');
  try {
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      await new Promise((r) => setTimeout(r, 10));
      url = /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(lines.join(''))?.[1];
    }
    process.stderr.write = write;
    assert.ok(url, 'the job announces its metrics address');
    await new Promise((r) => setTimeout(r, 50));
    const body = await (await fetch(url)).text();
    assert.match(body, /weir_operator_records_in_total\{job="served",operator="collect",node="1",subtask="0"\} [1-9]/);
  } finally {
    process.stderr.write = write;
    await job.cancel();
  }
});

test('no checkpoint metrics without checkpointing', () => {
  const text = prometheusText('j', [{ node: 0, name: 'src', subtask: 0, recordsIn: 1, recordsOut: 1 }], undefined);
  assert.doesNotMatch(text, /checkpoint/);
});
