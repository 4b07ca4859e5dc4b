/**
 * SQL vs DataStream: the same jobs written in weir's Flink SQL (planned by `src/sql`) and by hand in the
 * DataStream API, on the same pre-generated Nexmark bids held in memory (no parsing in the measurement).
 * Each (job, engine, run) runs in its own child process, engines alternating. A child runs the job on the
 * whole input once to check the output and warm up, then `--reps` times measured with `process.cpuUsage()`,
 * and reports its least CPU time (load from other processes only ever adds to it). Both engines keep
 * getting faster for several runs of the whole input (the JIT, and V8 growing the young generation),
 * so the default of 10 measured runs reports each engine's steady state, as a long-running job has it.
 * Both engines must give the same output (row count and an order-independent checksum) or the job is
 * reported as a mismatch.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/sql-vs-datastream.js [--events 3000000] [--runs 5] [--reps 10]
 *     [--jobs filter,tumble,group,hop] [--json FILE] [--cpu-prof DIR]
 * `WEIR_BENCH_VERBOSE=1` prints the CPU time of every measured run.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamExecutionEnvironment } from '../src/api/environment.js';
import type { DataStream } from '../src/api/datastream.js';
import { fromArray } from '../src/runtime/source.js';
import type { Sink } from '../src/runtime/sink.js';
import { WatermarkStrategies } from '../src/runtime/watermarks.js';
import type { AggregateFunction, ValueState } from '../src/state/descriptors.js';
import { valueState } from '../src/state/descriptors.js';
import { slidingEventTimeWindows, tumblingEventTimeWindows } from '../src/windows/assigners.js';
import type { TimeWindow } from '../src/windows/window.js';
import type { ChangeRow, Row, TableConnector } from '../src/connectors/registry.js';
import { Catalog } from '../src/sql/catalog/index.js';
import type { CatalogTable } from '../src/sql/catalog/index.js';
import { planScript } from '../src/sql/planner/index.js';
import { NexmarkGenerator, type Bid } from '../src/nexmark/index.js';

// ---------------------------------------------------------------------------------------------- input

/** The bids of the first `events` Nexmark events (seed 42, 10,000 events per second of event time). */
function generateBids(events: number): Bid[] {
  const gen = new NexmarkGenerator({ seed: 42, numEvents: events, firstEventRate: 10_000 });
  const bids: Bid[] = [];
  for (let start = 0; start < events; start += 4096) {
    for (const e of gen.generateBatch(start, Math.min(4096, events - start))) if (e.bid) bids.push(e.bid);
  }
  return bids;
}

/** The same bids as SQL rows, in the column order of {@link BID_DDL}. */
const toRow = (b: Bid): Row => [b.auction, b.bidder, b.price, b.channel, b.url, b.dateTime, b.extra];

const BID_DDL = `CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'datagen')`;

/** Serves the pre-generated rows to the planned SQL job in place of the DDL's connector. */
function arrayConnector(rows: readonly Row[]): TableConnector {
  return { name: 'bench-array', schema: { options: [] }, isBounded: () => true, createSource: () => fromArray(rows, { name: 'bid' }) };
}

// ------------------------------------------------------------------------------------------ checksum

/** One step of FNV-1a over 32-bit words: numbers by their low and high words, strings by char codes. */
function mix(h: number, v: unknown): number {
  if (typeof v === 'number') {
    const lo = v | 0;
    const hi = Math.floor(v / 4294967296) | 0;
    return Math.imul(Math.imul(h ^ lo, 16777619) ^ hi, 16777619);
  }
  if (typeof v === 'string') {
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 16777619);
    return Math.imul(h ^ v.length, 16777619);
  }
  if (v === null || v === undefined) return Math.imul(h ^ 0x9e3779b9, 16777619);
  return mix(h, String(v));
}
const H0 = 2166136261 | 0;

/** Row count and order-independent checksum (sum of row hashes mod 2^32) of what a job emits. */
interface Digest { rows: number; checksum: number }

/**
 * Counts rows and, with `checksum`, adds up their hashes. The measured run only counts: hashing every
 * output field costs about as much as a stateless job itself and would pull both engines' figures together.
 */
function digestSink<T>(digest: Digest, hash: (value: T) => number, checksum: boolean): Sink<T> {
  return {
    name: 'digest',
    createWriter: () => ({
      write(batch) {
        const vs = batch.values;
        digest.rows += vs.length;
        if (!checksum) return;
        let c = digest.checksum;
        for (let i = 0; i < vs.length; i++) c = (c + hash(vs[i]!)) | 0;
        digest.checksum = c;
      },
    }),
  };
}

const hashRow = (row: Row): number => {
  let h = H0;
  for (let i = 0; i < row.length; i++) h = mix(h, row[i]);
  return h;
};
const hashChange = (c: ChangeRow): number => {
  let h = mix(H0, c.op);
  const row = c.row;
  for (let i = 0; i < row.length; i++) h = mix(h, row[i]);
  return h;
};

// ---------------------------------------------------------------------------------------------- jobs

/** One job in both forms. `datastream` adds the hand-written job, ending in a sink that fills `digest`. */
interface BenchJob {
  description: string;
  sql: string;
  datastream(bids: DataStream<Bid>, digest: Digest, checksum: boolean): void;
}

const WINDOW_MS = 2_000;
const HOP_SIZE_MS = 10_000;

interface CountSum { n: number; sum: number }
const countSum: AggregateFunction<Bid, CountSum, CountSum> = {
  createAccumulator: () => ({ n: 0, sum: 0 }),
  add: (b, acc) => { acc.n++; acc.sum += b.price; return acc; },
  getResult: (acc) => acc,
  merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
};
const count: AggregateFunction<Bid, { n: number }, number> = {
  createAccumulator: () => ({ n: 0 }),
  add: (_b, acc) => { acc.n++; return acc; },
  getResult: (acc) => acc.n,
  merge: (a, b) => ({ n: a.n + b.n }),
};

const JOBS: Record<string, BenchJob> = {
  filter: {
    description: 'filter + projection (Nexmark q1/q2 style)',
    sql: `SELECT auction, bidder, price * 100 AS cents, channel FROM bid WHERE price > 1000 AND MOD(auction, 10) <> 3`,
    datastream(bids, digest, checksum) {
      interface Out { auction: number; bidder: number; cents: number; channel: string }
      bids.filter((b) => b.price > 1000 && b.auction % 10 !== 3)
        .map((b): Out => ({ auction: b.auction, bidder: b.bidder, cents: b.price * 100, channel: b.channel }))
        .sinkTo(digestSink<Out>(digest, (o) => mix(mix(mix(mix(H0, o.auction), o.bidder), o.cents), o.channel), checksum));
    },
  },
  tumble: {
    description: `tumbling ${WINDOW_MS / 1000} s event-time window, COUNT and SUM per auction`,
    sql: `SELECT auction, window_start, window_end, COUNT(*) AS bids, SUM(price) AS total
      FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '${WINDOW_MS / 1000}' SECOND))
      GROUP BY auction, window_start, window_end`,
    datastream(bids, digest, checksum) {
      interface Out { auction: number; start: number; end: number; bids: number; total: number }
      bids.keyBy((b) => b.auction).window(tumblingEventTimeWindows(WINDOW_MS))
        .aggregate(countSum, {
          process(auction: number, ctx: { window: TimeWindow }, [acc], out) {
            out.collect({ auction, start: ctx.window.start, end: ctx.window.end, bids: acc!.n, total: acc!.sum });
          },
        })
        .sinkTo(digestSink<Out>(digest, (o) => mix(mix(mix(mix(mix(H0, o.auction), o.start), o.end), o.bids), o.total), checksum));
    },
  },
  group: {
    description: 'unbounded GROUP BY bidder, COUNT(*) (changelog -U/+U)',
    sql: `SELECT bidder, COUNT(*) AS bids FROM bid GROUP BY bidder`,
    datastream(bids, digest, checksum) {
      interface Out { op: '+I' | '-U' | '+U'; bidder: number; bids: number }
      bids.keyBy((b) => b.bidder).process(() => {
        let state: ValueState<number>;
        return {
          open(rt) { state = rt.getState(valueState<number>('bids')); },
          processElement(b: Bid, _ctx, out) {
            const n = state.value() ?? 0;
            if (n === 0) out.collect({ op: '+I', bidder: b.bidder, bids: 1 });
            else {
              out.collect({ op: '-U', bidder: b.bidder, bids: n });
              out.collect({ op: '+U', bidder: b.bidder, bids: n + 1 });
            }
            state.update(n + 1);
          },
        };
      }).sinkTo(digestSink<Out>(digest, (o) => mix(mix(mix(H0, o.op), o.bidder), o.bids), checksum));
    },
  },
  hop: {
    description: `hopping ${HOP_SIZE_MS / 1000} s window every ${WINDOW_MS / 1000} s, COUNT per auction (Nexmark q5's first step)`,
    sql: `SELECT auction, window_start, window_end, COUNT(*) AS bids
      FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '${WINDOW_MS / 1000}' SECOND, INTERVAL '${HOP_SIZE_MS / 1000}' SECOND))
      GROUP BY auction, window_start, window_end`,
    datastream(bids, digest, checksum) {
      interface Out { auction: number; start: number; end: number; bids: number }
      bids.keyBy((b) => b.auction).window(slidingEventTimeWindows(HOP_SIZE_MS, WINDOW_MS))
        .aggregate(count, {
          process(auction: number, ctx: { window: TimeWindow }, [n], out) {
            out.collect({ auction, start: ctx.window.start, end: ctx.window.end, bids: n! });
          },
        })
        .sinkTo(digestSink<Out>(digest, (o) => mix(mix(mix(mix(H0, o.auction), o.start), o.end), o.bids), checksum));
    },
  },
};

// --------------------------------------------------------------------------------------------- child

type Engine = 'sql' | 'datastream';

interface ChildRequest {
  job: string;
  engine: Engine;
  events: number;
  /** Measured runs; the one with the least CPU time counts. */
  reps: number;
  /** Write a CPU profile of the measured run (not of generation or warm-up) to this file. */
  cpuProfile?: string | undefined;
}

interface ChildResult {
  job: string;
  engine: Engine;
  inputRows: number;
  rows: number;
  checksum: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** Builds the job of one engine over `bids` (and the same bids as `rows` for SQL) into a fresh environment. */
function buildJob(name: string, engine: Engine, bids: readonly Bid[], rows: readonly Row[], digest: Digest, checksum: boolean): StreamExecutionEnvironment {
  const job = JOBS[name]!;
  const env = StreamExecutionEnvironment.create();
  if (engine === 'datastream') {
    const strategy = WatermarkStrategies.boundedOutOfOrderness<Bid>(4_000).withTimestampAssigner((b) => b.dateTime);
    job.datastream(env.fromSource(fromArray(bids, { name: 'bid' }), strategy, 'bid'), digest, checksum);
    return env;
  }
  const catalog = new Catalog();
  planScript(BID_DDL, { catalog });
  (catalog.get('bid') as CatalogTable).connector = arrayConnector(rows);
  const planned = planScript(job.sql, { catalog }).jobs[0]!;
  planned.build(env, {
    selectSink: (s) => (s.updating ? digestSink<ChangeRow>(digest, hashChange, checksum) : digestSink<Row>(digest, hashRow, checksum)) as Sink<Row | ChangeRow>,
  });
  return env;
}

async function runChild(req: ChildRequest): Promise<ChildResult> {
  let bids = generateBids(req.events);
  const inputRows = bids.length;
  const rows = req.engine === 'sql' ? bids.map(toRow) : [];
  // Each engine keeps only its own form of the input: a heap twice as large costs the garbage collector
  // more on every full collection.
  if (req.engine === 'sql') bids = [];
  // The first run checks the output (count and checksum) and warms the code up, as a long-running job
  // would be; the runs after it are measured.
  const verified: Digest = { rows: 0, checksum: 0 };
  await buildJob(req.job, req.engine, bids, rows, verified, true).execute().done;
  let best: { cpuSeconds: number; wallSeconds: number } | undefined;
  let rowsOk = true;
  for (let rep = 0; rep < req.reps; rep++) {
    const digest: Digest = { rows: 0, checksum: 0 };
    const env = buildJob(req.job, req.engine, bids, rows, digest, false);
    const session = req.cpuProfile && rep === 0 ? await startProfile() : undefined;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await env.execute(`${req.job}/${req.engine}`).done;
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    if (session) await stopProfile(session, req.cpuProfile!);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (process.env['WEIR_BENCH_VERBOSE']) process.stderr.write(`  ${req.job}/${req.engine} rep ${rep}: cpu ${cpuSeconds.toFixed(3)} s\n`);
    // Other processes on the machine only ever add CPU time (cache and core contention): keep the least.
    if (!best || cpuSeconds < best.cpuSeconds) best = { cpuSeconds, wallSeconds };
    rowsOk &&= digest.rows === verified.rows;
  }
  return {
    job: req.job, engine: req.engine, inputRows, rows: rowsOk ? verified.rows : -1, checksum: verified.checksum >>> 0,
    cpuSeconds: best!.cpuSeconds, wallSeconds: best!.wallSeconds,
  };
}

/** Profiles only the measured run (not generation or warm-up), through the inspector. */
async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return session;
}

async function stopProfile(session: Session, file: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
}

// -------------------------------------------------------------------------------------------- parent

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

function spawnChild(req: ChildRequest): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(req)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: ChildResult | undefined;
    child.on('message', (m) => { result = m as ChildResult; });
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`${req.job}/${req.engine} failed (exit code ${String(code)})`))));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface JobSummary {
  job: string;
  description: string;
  inputRows: number;
  outputRows: number;
  outputsMatch: boolean;
  datastreamRowsPerCoreSecond: number[];
  sqlRowsPerCoreSecond: number[];
  /** SQL/DataStream throughput of each run pair. */
  ratios: number[];
}

async function main(): Promise<void> {
  const childArg = process.argv.indexOf('--child');
  if (childArg >= 0) {
    const result = await runChild(JSON.parse(process.argv[childArg + 1]!) as ChildRequest);
    // Run by hand (`--child '{"job":"group","engine":"sql","events":1000000,"reps":3}'`, e.g. under
    // `node --cpu-prof`), it prints its result.
    if (process.send) process.send(result);
    else console.log(JSON.stringify(result));
    return;
  }
  const events = Number(arg('events', '3000000'));
  const runs = Number(arg('runs', '5'));
  const reps = Number(arg('reps', '10'));
  const jobs = arg('jobs', Object.keys(JOBS).join(',')).split(',');
  const cpuProfileDir = arg('cpu-prof', '') || undefined;
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  for (const j of jobs) if (!JOBS[j]) throw new Error(`unknown job ${j}; jobs: ${Object.keys(JOBS).join(', ')}`);
  const summaries: JobSummary[] = [];
  for (const job of jobs) {
    const results: Record<Engine, ChildResult[]> = { sql: [], datastream: [] };
    for (let r = 0; r < runs; r++) {
      // Alternate which engine goes first, so drifting machine load does not favour one.
      const order: Engine[] = r % 2 === 0 ? ['datastream', 'sql'] : ['sql', 'datastream'];
      for (const engine of order) {
        const cpuProfile = cpuProfileDir ? join(cpuProfileDir, `${job}-${engine}-${r}.cpuprofile`) : undefined;
        const res = await spawnChild({ job, engine, events, reps, cpuProfile });
        results[engine].push(res);
        process.stderr.write(`${job} ${engine} run ${r + 1}: ${fmtInt(res.inputRows / res.cpuSeconds)} rows/s per core (cpu ${res.cpuSeconds.toFixed(2)} s, wall ${res.wallSeconds.toFixed(2)} s), ${fmtInt(res.rows)} rows out, checksum ${res.checksum.toString(16)}\n`);
      }
    }
    const all = [...results.sql, ...results.datastream];
    const outputsMatch = all.every((x) => x.rows === all[0]!.rows && x.checksum === all[0]!.checksum);
    const rate = (x: ChildResult): number => x.inputRows / x.cpuSeconds;
    summaries.push({
      job, description: JOBS[job]!.description, inputRows: all[0]!.inputRows, outputRows: all[0]!.rows, outputsMatch,
      datastreamRowsPerCoreSecond: results.datastream.map(rate),
      sqlRowsPerCoreSecond: results.sql.map(rate),
      ratios: results.sql.map((s, i) => rate(s) / rate(results.datastream[i]!)),
    });
  }
  const head = '| job | input rows | output rows (same in both) | DataStream rows/s per core | SQL rows/s per core | SQL / DataStream median (min–max) | within 20 % |';
  const lines = [head, '| --- | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const s of summaries) {
    const ratio = median(s.ratios);
    lines.push(`| ${s.job}: ${s.description} | ${fmtInt(s.inputRows)} | ${fmtInt(s.outputRows)} ${s.outputsMatch ? '(match)' : '**MISMATCH**'} | ${fmtInt(median(s.datastreamRowsPerCoreSecond))} | ${fmtInt(median(s.sqlRowsPerCoreSecond))} | ${ratio.toFixed(2)} (${Math.min(...s.ratios).toFixed(2)}–${Math.max(...s.ratios).toFixed(2)}) | ${ratio >= 0.8 ? 'yes' : 'no'} |`);
  }
  console.log(lines.join('\n'));
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify({ events, runs, summaries }, null, 2));
  if (summaries.some((s) => !s.outputsMatch)) process.exitCode = 1;
}

await main();
