/**
 * Runs one Nexmark query in this (fresh) process and reports its figures to the parent over IPC (or on
 * stdout when started by hand). A process per query keeps peak RSS, JIT state and CPU time per query.
 *
 *   node dist/bench/nexmark/run-query.js '{"query":"q1","events":1000000,"seed":42,"parallelism":1}'
 */
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import { LatencyHistogram } from '../../src/connectors/nexmark/index.js';
import type { JobResult } from '../../src/runtime/executor.js';
import { nexmarkJob } from './queries.js';
import { nexmarkSqlJob } from './sql.js';

/** What the parent asks for. */
export interface RunQueryRequest {
  query: string;
  events: number;
  seed: number;
  parallelism: number;
  firstEventRate: number;
  input?: string | undefined;
  ratePerSecond?: number | undefined;
  /** `datastream` (default): bench/nexmark/queries.ts; `sql`: the query text of flink/nexmark.sql through weir's SQL planner. */
  engine?: 'datastream' | 'sql' | undefined;
  /** q13's side input, for `sql`. */
  sideInput?: string | undefined;
}

/** What one query run measured. */
export interface QueryResult {
  query: string;
  parallelism: number;
  /** Events the source read. */
  events: number;
  /** Rows that reached the sink. */
  outputRows: number;
  wallSeconds: number;
  /** CPU time (user + system, all threads) from job start to job end. */
  cpuSeconds: number;
  /** CPU time of the whole process until the job ended: node start, module loading and JIT included. */
  processCpuSeconds: number;
  eventsPerSecond: number;
  eventsPerSecondPerCore: number;
  /** Null when no row reached the sink. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** Peak resident set size of the process (all threads). */
  peakRssBytes: number;
  input: 'generator' | 'file';
  engine: 'datastream' | 'sql';
  /** Set when the query failed (then every figure is 0). */
  error?: string;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as RunQueryRequest;
  const engine = req.engine ?? 'datastream';
  const histogram = LatencyHistogram.sharedBuffer(req.parallelism);
  let sqlRows = 0;
  let sqlEnv: StreamExecutionEnvironment | undefined;
  if (engine === 'sql') {
    // Planned before the clock starts, as Flink's figures leave out parsing too.
    sqlEnv = StreamExecutionEnvironment.create({ parallelism: req.parallelism, name: req.query });
    nexmarkSqlJob(req.query, { events: req.events, seed: req.seed, firstEventRate: req.firstEventRate, input: req.input, sideInput: req.sideInput ?? '' }).build(sqlEnv);
    // SQL rows carry no emission time: count them in a blackhole instead of the collect sink.
    for (const node of sqlEnv.nodes) {
      if (node.kind === 'sink') node.sink = { name: 'blackhole', createWriter: () => ({ write(b) { sqlRows += b.values.length; } }) };
    }
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const handle = sqlEnv
    ? sqlEnv.execute(req.query)
    : nexmarkJob.execute({
      args: { query: req.query, events: req.events, seed: req.seed, firstEventRate: req.firstEventRate, input: req.input, ratePerSecond: req.ratePerSecond ?? 0, histogram },
      parallelism: req.parallelism,
    });
  const result: JobResult = await handle.done;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const total = process.cpuUsage();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const events = sqlEnv ? req.events : result.metrics.filter((m) => m.name === (req.input ? 'nexmark-file' : 'nexmark')).reduce((s, m) => s + m.recordsOut, 0);
  const h = LatencyHistogram.mergeSlices(histogram);
  const out: QueryResult = {
    query: req.query,
    parallelism: req.parallelism,
    events,
    outputRows: sqlEnv ? sqlRows : h.count(),
    wallSeconds: round(wall),
    cpuSeconds: round(cpuSeconds),
    processCpuSeconds: round((total.user + total.system) / 1e6),
    eventsPerSecond: Math.round(events / wall),
    eventsPerSecondPerCore: Math.round(events / cpuSeconds),
    latencyP50Ms: sqlEnv || h.count() === 0 ? null : round(h.percentileMs(50)),
    latencyP99Ms: sqlEnv || h.count() === 0 ? null : round(h.percentileMs(99)),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    input: req.input ? 'file' : 'generator',
    engine,
  };
  if (process.send) process.send(out);
  else process.stdout.write(JSON.stringify(out) + '\n');
}

main().then(
  () => { if (process.send) process.disconnect(); },
  (err: unknown) => {
    process.stderr.write(`nexmark ${process.argv[2]}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
    if (process.send) process.disconnect();
  },
);
