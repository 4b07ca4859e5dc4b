import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { Row } from '../../connectors/registry.js';
import { leaseLog } from '../../connectors/log/shared-log.js';
import { UserError } from '../../core/errors.js';
import { FraudGenerator } from '../../fraud/generator.js';
import type { CatalogTable } from '../../sql/catalog/index.js';
import { mlPredictCounters, resetMlPredictCounters } from '../../sql/ml/index.js';
import type { MlPredictCounters } from '../../sql/ml/index.js';
import { planScript } from '../../sql/planner/index.js';
import type { PlannedScript } from '../../sql/planner/index.js';
import { DEMO_GENERATOR, callbackSinkConnector, eventNumber, firstRowsConnector, generatorConnector, tappedSinkConnector, transactionRecord } from './tables.js';

/** The embedded-log topic the generated transactions are written to and the pipeline reads. */
export const TRANSACTIONS_TOPIC = 'transactions';
/** Partitions of {@link TRANSACTIONS_TOPIC} (records keyed by card, so a card's events stay in order). */
export const TRANSACTIONS_PARTITIONS = 4;
/** The embedded-log topic the pipeline writes its alerts to. */
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

/** The pipeline SQL with the model path and the log directory filled in. */
export function pipelineSql(modelPath: string = defaultModelPath(), logDir = '.weir/log'): string {
  return readFileSync(join(fraudDemoDir(), 'pipeline.sql'), 'utf8')
    .replaceAll('{{model_path}}', modelPath.replaceAll("'", "''"))
    .replaceAll('{{log_path}}', logDir.replaceAll("'", "''"));
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
   * The embedded log directory (default: a new temporary one). The transactions are written to its
   * topic `transactions`, the alerts, as JSON keyed by card, to `fraud_alerts`, where
   * `weir topic consume fraud_alerts` reads them. Both topics are created; if `transactions` already
   * holds records the demo refuses the directory, since the job would read them too.
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
  /** The embedded log directory holding topics `transactions` and `fraud_alerts`. */
  logDir: string;
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

/**
 * Plans pipeline.sql and binds its two tables straight to the generator and to `onAlerts`, without a
 * log: how the training features are computed (the same views, so training sees what scoring sees).
 */
function planOffline(gen: FraudGenerator, events: number, extra: string): PlannedScript {
  const script = planScript(pipelineSql() + extra);
  // Sources and sinks are created only when a job is built, so the tables can be rebound after planning.
  (script.catalog.get('transactions') as CatalogTable).connector = generatorConnector(gen, events);
  (script.catalog.get('fraud_alerts') as CatalogTable).connector = callbackSinkConnector(() => {});
  return script;
}

/** Resolves after `ms` (at once for 0), so pacing and fairness waits read alike. */
const sleep = (ms: number): Promise<void> => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

/**
 * Runs the fraud demo on the embedded log: writes generated transactions to topic `transactions` while
 * the pipeline of pipeline.sql reads them from there and writes its alerts to topic `fraud_alerts`,
 * and measures the alerts against the generator's truth: precision and recall per transaction,
 * incidents caught, event-to-alert latency (written to the log → alert written to the log).
 */
export async function runFraudDemo(options: FraudDemoOptions = {}): Promise<FraudDemoSummary> {
  const events = options.events ?? 20_000;
  const gen = new FraudGenerator({ ...DEMO_GENERATOR, seed: options.seed ?? 42 });
  resetMlPredictCounters();
  let generated = 0;
  const latencies: number[] = [];
  const alerted = new Set<number>();
  const logDir = resolve(options.logDir ?? join(await mkdtemp(join(tmpdir(), 'weir-demo-fraud-')), 'log'));
  // The job's log connectors lease the log by directory; holding a lease on the same directory first
  // means the producer below and the job share one open Log (a directory is locked per process).
  const lease = leaseLog({ dir: logDir }, 'weir demo fraud');
  let timer: ReturnType<typeof setInterval> | undefined;
  let started = Date.now();
  const progress = (): FraudProgress => {
    const elapsedMs = Date.now() - started;
    const recent = latencies.slice(-5000).sort((a, b) => a - b);
    return { events: generated, alerts: alerted.size, elapsedMs, eventsPerSecond: generated / Math.max(0.001, elapsedMs / 1000), p99LatencyMs: quantile(recent, 0.99) };
  };
  try {
    const log = await lease.log;
    await log.createTopic(TRANSACTIONS_TOPIC, { partitions: TRANSACTIONS_PARTITIONS }, { ifNotExists: true });
    await log.createTopic(ALERTS_TOPIC, { partitions: 1 }, { ifNotExists: true });
    const already = log.describeTopic(TRANSACTIONS_TOPIC).partitions.reduce((n, p) => n + p.highWatermark, 0);
    if (already > 0) {
      throw new UserError(`weir demo fraud: topic ${TRANSACTIONS_TOPIC} of the log in ${logDir} already holds ${already} records, which the pipeline would read too`, {
        origin: 'demo:fraud', hint: 'give --log a new or empty directory, or leave --log out for a fresh temporary one',
      });
    }
    const script = planScript(pipelineSql(options.modelPath ?? defaultModelPath(), logDir));
    const txns = script.catalog.get('transactions') as CatalogTable;
    const alerts = script.catalog.get('fraud_alerts') as CatalogTable;
    // Still the log connectors of the SQL: the source ends once it has read all the demo writes, and
    // the sink reports each alert once it is in the topic.
    txns.connector = firstRowsConnector(txns.connector, events);
    alerts.connector = tappedSinkConnector(alerts.connector, (rows) => {
      const now = Date.now();
      for (const r of rows) {
        latencies.push(now - (r[6] as number));
        alerted.add(eventNumber(r[0] as string));
      }
    });
    const env = StreamExecutionEnvironment.create({ batchSize: 512 });
    script.jobs[0]!.build(env);
    started = Date.now();
    if (options.onProgress) timer = setInterval(() => options.onProgress!(progress()), options.progressIntervalMs ?? 500);
    const handle = env.execute('fraud-demo');
    // Handled at once (not only after the producer loop), so a job failing mid-run is no unhandled rejection.
    let failure: { err: unknown } | undefined;
    const done = handle.done.then(() => {}, (err: unknown) => { failure = { err }; });
    const producer = log.producer();
    // Paced: small sends on a wall-clock schedule; unpaced: sends of a batch, yielding between them so
    // the job reads while the demo writes.
    const chunk = options.rate ? Math.max(1, Math.min(512, Math.round(options.rate / 20))) : 512;
    try {
      for (let n = 0; n < events && failure === undefined; n += chunk) {
        const now = Date.now();
        const records = [];
        for (let i = n; i < Math.min(events, n + chunk); i++) records.push(transactionRecord(gen, i, now));
        await producer.send(TRANSACTIONS_TOPIC, records);
        generated += records.length;
        await sleep(options.rate ? started + (generated / options.rate) * 1000 - Date.now() : 0);
      }
    } catch (err) {
      await handle.cancel();
      await done;
      throw err;
    }
    await done;
    if (failure) throw failure.err;
  } finally {
    if (timer) clearInterval(timer);
    await lease.release();
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
    logDir,
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
    const script = planOffline(gen, options.events,
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
