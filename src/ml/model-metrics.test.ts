import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { fromAsyncIterable } from '../runtime/source.js';
import { modelMetrics, modelMetricsText } from './model-metrics.js';

test('model metrics are labelled by model, version and variant, with a latency histogram', () => {
  modelMetrics.reset();
  assert.equal(modelMetricsText(), '');
  modelMetrics.rows('fraud', '3', 'prod', 90);
  modelMetrics.rows('fraud', '4', 'ab', 10);
  modelMetrics.rows('fraud', '3', 'prod', 5);
  modelMetrics.rows('fraud', 'none', 'fallback', 0);
  modelMetrics.error('fraud', '4', 'ab', 'timeout');
  modelMetrics.batch('fraud', '3', 'prod', 0.0003);
  modelMetrics.batch('fraud', '3', 'prod', 0.02);
  const text = modelMetricsText();
  assert.match(text, /# TYPE weir_model_rows_total counter\n/);
  assert.match(text, /\nweir_model_rows_total\{model="fraud",version="3",variant="prod"\} 95\n/);
  assert.match(text, /\nweir_model_rows_total\{model="fraud",version="4",variant="ab"\} 10\n/);
  assert.doesNotMatch(text, /variant="fallback"/, 'a zero count adds no series');
  assert.match(text, /\nweir_model_errors_total\{model="fraud",version="4",variant="ab",kind="timeout"\} 1\n/);
  assert.match(text, /# TYPE weir_model_batch_duration_seconds histogram\n/);
  assert.match(text, /weir_model_batch_duration_seconds_bucket\{model="fraud",version="3",variant="prod",le="0.00025"\} 0\n/);
  assert.match(text, /weir_model_batch_duration_seconds_bucket\{model="fraud",version="3",variant="prod",le="0.0005"\} 1\n/);
  assert.match(text, /weir_model_batch_duration_seconds_bucket\{model="fraud",version="3",variant="prod",le="\+Inf"\} 2\n/);
  assert.match(text, /weir_model_batch_duration_seconds_count\{model="fraud",version="3",variant="prod"\} 2\n/);
  assert.equal(modelMetrics.value('rows', { model: 'fraud' }), 105);
  modelMetrics.reset();
});

test('a running job serves the model metrics on its metrics port', async () => {
  modelMetrics.reset();
  modelMetrics.rows('m"1', '2', 'shadow', 7);
  const env = StreamExecutionEnvironment.create({ metricsPort: 0 });
  env.fromSource(fromAsyncIterable(async function* () { for (let i = 0; ; i++) { yield i; await new Promise((r) => setTimeout(r, 1)); } })).collect();
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => { lines.push(String(s)); return true; }) as typeof process.stderr.write;
  const job = env.execute('scored');
  try {
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      await new Promise((r) => setTimeout(r, 10));
      url = /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(lines.join(''))?.[1];
    }
    process.stderr.write = write;
    assert.ok(url, 'the job announces its metrics address');
    const body = await (await fetch(url)).text();
    assert.match(body, /weir_operator_records_in_total\{job="scored"/);
    assert.match(body, /\nweir_model_rows_total\{model="m\\"1",version="2",variant="shadow"\} 7\n/);
  } finally {
    process.stderr.write = write;
    await job.cancel();
    modelMetrics.reset();
  }
});
