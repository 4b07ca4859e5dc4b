import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { Row } from '../../connectors/registry.js';
import { logSink } from '../../connectors/log/index.js';
import { Log } from '../../log/index.js';
import type { Sink } from '../../runtime/sink.js';
import { FraudGenerator } from '../../fraud/generator.js';
import type { CatalogTable } from '../../sql/catalog/index.js';
import { mlPredictCounters, resetMlPredictCounters } from '../../sql/ml/index.js';
import type { MlPredictCounters } from '../../sql/ml/index.js';
import { planScript } from '../../sql/planner/index.js';
import type { PlannedScript } from '../../sql/planner/index.js';
import { DEMO_GENERATOR, alertRecord, callbackSinkConnector, eventNumber, generatorConnector } from './tables.js';

/** The embedded-log topic alerts go to with `logDir`. */
export const ALERTS_TOPIC = 'fraud_alerts';

/** The folder of this demo's committed files (pipeline.sql, model/), found from the repository root. */
export function fraudDemoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'demo', 'fraud');
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the weir repository root (a folder with package.json) above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Path of the shipped model. */
export function defaultModelPath(): string {
  return join(fraudDemoDir(), 'model', 'fraud.onnx');
}

/** The pipeline SQL with the model path filled in. */
export function pipelineSql(modelPath: string = defaultModelPath()): string {
  return readFileSync(join(fraudDemoDir(), 'pipeline.sql'), 'utf8').replaceAll('{{model_path}}', modelPath.replaceAll("'", "''"));
}

export interface FraudDemoOptions {
  /** Transactions to generate (default 20 000). */
  events?: number;
  /** Wall-clock events per second; 0 or absent for as fast as possible. */
  rate?: number;
  /** Generator seed (default 42; the model was trained on other seeds). */
  seed?: number;
  modelPath?: string;
  /**
   * An embedded log directory: alerts are also written, as JSON keyed by card, to its topic
   * `fraud_alerts` (created when missing), where `weir topic consume fraud_alerts` reads them.
   */
  logDir?: string;
  /** Called about twice a second with the figures so far. */
  onProgress?: (p: FraudProgress) => void;
  progressIntervalMs?: number;
}

export interface FraudProgress {
  events: number;
  alerts: number;
  elapsedMs: number;
  eventsPerSecond: number;
  /** Event-to-alert latency so far (ingest to sink, wall clock), ms; NaN before the first alert. */
  p99LatencyMs: number;
}

export interface FraudDemoSummary {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  alerts: number;
  truePositives: number;
  fraudTransactions: number;
  /** Alerts that were fraud / alerts. */
  precision: number;
  /** Fraud transactions alerted / fraud transactions. */
  recall: number;
  /** Fraud incidents with at least one alert / incidents. */
  incidentsCaught: number;
  incidents: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  scoring: MlPredictCounters;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Plans pipeline.sql and binds its two tables to the generator and to `onAlerts`. */
function planPipeline(
  gen: FraudGenerator, events: number, modelPath: string | undefined,
  bind: { rate?: number; onEvents?: (n: number) => void; onAlerts: (rows: Row[]) => void; alertLog?: Sink<Row> }, extra = '',
): PlannedScript {
  const script = planScript(pipelineSql(modelPath) + extra);
  const txns = script.catalog.get('transactions') as CatalogTable;
  const alerts = script.catalog.get('fraud_alerts') as CatalogTable;
  // Planned against stand-in connectors; sources and sinks are created only when a job is built.
  txns.connector = generatorConnector(gen, events, { ...(bind.rate ? { ratePerSecond: bind.rate } : {}), ...(bind.onEvents ? { onEvents: bind.onEvents } : {}) });
  alerts.connector = callbackSinkConnector(bind.onAlerts, bind.alertLog);
  return script;
}

/**
 * Runs the fraud pipeline of pipeline.sql over generated transactions and measures it against the
 * generator's truth: precision and recall per transaction, incidents caught, event-to-alert latency.
 */
export async function runFraudDemo(options: FraudDemoOptions = {}): Promise<FraudDemoSummary> {
  const events = options.events ?? 20_000;
  const gen = new FraudGenerator({ ...DEMO_GENERATOR, seed: options.seed ?? 42 });
  resetMlPredictCounters();
  let generated = 0;
  const latencies: number[] = [];
  const alerted = new Set<number>();
  const log = options.logDir !== undefined ? await Log.open(options.logDir) : undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let started = Date.now();
  const progress = (): FraudProgress => {
    const elapsedMs = Date.now() - started;
    const recent = latencies.slice(-5000).sort((a, b) => a - b);
    return { events: generated, alerts: alerted.size, elapsedMs, eventsPerSecond: generated / Math.max(0.001, elapsedMs / 1000), p99LatencyMs: quantile(recent, 0.99) };
  };
  try {
    await log?.createTopic(ALERTS_TOPIC, { partitions: 1 }, { ifNotExists: true });
    const alertLog = log
      ? logSink<Row>({ log, topic: ALERTS_TOPIC, key: (r) => r[1] as string, encode: (r) => JSON.stringify(alertRecord(r)), deliveryGuarantee: 'at-least-once' })
      : undefined;
    const script = planPipeline(gen, events, options.modelPath ?? defaultModelPath(), {
      ...(options.rate ? { rate: options.rate } : {}),
      ...(alertLog ? { alertLog } : {}),
      onEvents: (n) => { generated += n; },
      onAlerts: (rows) => {
        const now = Date.now();
        for (const r of rows) {
          latencies.push(now - (r[6] as number));
          alerted.add(eventNumber(r[0] as string));
        }
      },
    });
    const env = StreamExecutionEnvironment.create({ batchSize: 512 });
    script.jobs[0]!.build(env);
    started = Date.now();
    if (options.onProgress) timer = setInterval(() => options.onProgress!(progress()), options.progressIntervalMs ?? 500);
    await env.execute('fraud-demo').done;
  } finally {
    if (timer) clearInterval(timer);
    await log?.close();
  }
  const seconds = (Date.now() - started) / 1000;
  options.onProgress?.(progress());

  let fraud = 0;
  let tp = 0;
  const incidents = new Set<string>();
  const caught = new Set<string>();
  for (let n = 0; n < events; n++) {
    const t = gen.event(n);
    if (!t.isFraud) continue;
    fraud++;
    incidents.add(t.incidentId!);
    if (alerted.has(n)) {
      tp++;
      caught.add(t.incidentId!);
    }
  }
  const sorted = latencies.sort((a, b) => a - b);
  return {
    events: generated,
    seconds,
    eventsPerSecond: generated / Math.max(0.001, seconds),
    alerts: alerted.size,
    truePositives: tp,
    fraudTransactions: fraud,
    precision: alerted.size === 0 ? 0 : tp / alerted.size,
    recall: fraud === 0 ? 0 : tp / fraud,
    incidentsCaught: caught.size,
    incidents: incidents.size,
    p50LatencyMs: quantile(sorted, 0.5),
    p99LatencyMs: quantile(sorted, 0.99),
    scoring: { ...mlPredictCounters('fraud_model') },
  };
}

/** The model's input columns, in DESCRIPTOR order, as written to the training CSV. */
export const FEATURE_COLUMNS = ['amount', 'txn_count_1m', 'amount_sum_1h', 'distinct_countries_1h', 'amount_avg_ratio'] as const;

/**
 * Computes the pipeline's features (the `card_features` view of pipeline.sql, so training sees what
 * scoring sees) over generated transactions and writes them with the truth as CSV:
 * `seed,txn,<features>,is_fraud,pattern`. One bounded run per seed.
 */
export async function exportFeatures(path: string, options: { events: number; seeds: number[] }): Promise<number> {
  const lines = [['seed', 'txn', ...FEATURE_COLUMNS, 'is_fraud', 'pattern'].join(',')];
  for (const seed of options.seeds) {
    const gen = new FraudGenerator({ ...DEMO_GENERATOR, seed });
    const script = planPipeline(gen, options.events, undefined, { onAlerts: () => {} },
      `\nSELECT txn_id, ${FEATURE_COLUMNS.join(', ')} FROM card_features;\n`);
    const job = script.jobs[script.jobs.length - 1]!;
    const env = StreamExecutionEnvironment.create({ batchSize: 1024 });
    job.build(env);
    const handle = env.execute('fraud-features');
    await handle.done;
    for (const { value } of handle.collected<Row>(job.sinks[0]!.name)) {
      const n = eventNumber(value[0] as string);
      const t = gen.event(n);
      lines.push([seed, n, ...value.slice(1).map((v) => String(v)), t.isFraud ? 1 : 0, t.pattern].join(','));
    }
  }
  await writeFile(path, lines.join('\n') + '\n');
  return lines.length - 1;
}
