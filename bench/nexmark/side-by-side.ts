/**
 * weir and Apache Flink side by side on the same Nexmark events: writes the events once as NDJSON, runs
 * each query on both engines over that file (parallelism 1, no checkpoints), once on the big file and once
 * on a tiny one, and reports per-core throughput from the difference, so JVM and Node start-up, planning
 * and warm-up cancel out (docs/flink-reference.md). Started by `bench/nexmark/side-by-side`.
 *
 *   bench/nexmark/side-by-side --queries q0,q1,q2,q5,q7 --events 1000000 [--tiny 1000] [--dir /tmp/weir-nexmark]
 *                              [--seed 42] [--event-rate 10000000] [--engines weir,weir-sql,flink] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveQueries, runNexmarkBench, writeInput, type QueryResult } from './harness.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

const io = { stdout: process.stdout, stderr: process.stderr };
const queries = resolveQueries(arg('queries', 'q0,q1,q2,q5,q7'));
const events = Number(arg('events', '1000000'));
const tiny = Number(arg('tiny', '1000'));
const seed = Number(arg('seed', '42'));
const eventRate = Number(arg('event-rate', '10000000'));
const dir = resolve(arg('dir', '/tmp/weir-nexmark'));
const engines = arg('engines', 'weir,weir-sql,flink').split(',');
const watermarkInterval = arg('flink-watermark-interval', '200ms');
const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function inputFile(n: number): Promise<string> {
  const path = join(dir, `nexmark-seed${seed}-rate${eventRate}-${n}.ndjson`);
  if (!existsSync(path)) await writeInput(path, n, seed, eventRate, io);
  else io.stderr.write(`side-by-side: reusing ${path}\n`);
  return path;
}

interface EngineRun { wallSeconds: number; cpuSeconds: number; rows: number; load: string }
interface WeirFigures {
  big: EngineRun; tiny: EngineRun; eventsPerSecondPerCore: number; eventsPerSecond: number;
  latencyP50Ms: number | null; latencyP99Ms: number | null; peakRssBytes: number; error?: string | undefined;
}
interface Row {
  query: string;
  events: number;
  /** weir, DataStream jobs of queries.ts. */
  weir?: WeirFigures;
  /** weir, the same SQL text as Flink through weir's planner. */
  weirSql?: WeirFigures;
  flink?: { big: EngineRun; tiny: EngineRun; eventsPerSecondPerCore: number; eventsPerSecond: number };
  /** weir DataStream per-core ÷ Flink per-core. */
  ratio?: number;
  /** weir SQL per-core ÷ Flink per-core. */
  sqlRatio?: number;
}

async function weirRuns(path: string, n: number, engine: 'datastream' | 'sql'): Promise<QueryResult[]> {
  return runNexmarkBench({ queries, events: n, parallelism: 1, seed, firstEventRate: eventRate, input: path, engine }, io);
}

function flinkRuns(path: string, side: string, tag: string): Record<string, EngineRun> {
  const stats = join(dir, `flink-${tag}.json`);
  const load0 = loadAverage();
  const args = [
    join(repo, 'bench/nexmark/flink/nexmark.sql'), '--define', `INPUT=${path}`, '--define', `SIDE_INPUT=${side}`,
    '--sink', 'blackhole', '--parallelism', '1', '--watermark-interval', watermarkInterval, '--stats', stats,
    ...queries.flatMap((q) => ['--query', q]),
  ];
  io.stderr.write(`side-by-side: flink ${tag}: scripts/flink/run-sql.py ${args.join(' ')}\n`);
  execFileSync(join(repo, 'scripts/flink/run-sql.py'), args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const parsed = JSON.parse(readFileSync(stats, 'utf8')) as { queries?: { query: string; wall_s: number; jvm_cpu_s: number; rows?: number }[] };
  const list = parsed.queries ?? (parsed as unknown as { query: string; wall_s: number; jvm_cpu_s: number; rows?: number }[]);
  const load = `${load0} → ${loadAverage()}`;
  return Object.fromEntries(list.map((q) => [q.query, { wallSeconds: q.wall_s, cpuSeconds: q.jvm_cpu_s, rows: q.rows ?? 0, load }]));
}

const perCore = (bigN: number, smallN: number, big: EngineRun, small: EngineRun): number => Math.round((bigN - smallN) / Math.max(1e-3, big.cpuSeconds - small.cpuSeconds));
const perWall = (bigN: number, smallN: number, big: EngineRun, small: EngineRun): number => Math.round((bigN - smallN) / Math.max(1e-3, big.wallSeconds - small.wallSeconds));

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const big = await inputFile(events);
  const small = await inputFile(tiny);
  const side = join(dir, 'side_input.csv');
  if (!existsSync(side)) writeFileSync(side, Array.from({ length: 10_000 }, (_, k) => `${k},side-${k}\n`).join(''));
  const rows: Row[] = queries.map((query) => ({ query, events }));

  for (const [engine, field] of [['datastream', 'weir'], ['sql', 'weirSql']] as const) {
    if (!engines.includes(engine === 'sql' ? 'weir-sql' : 'weir')) continue;
    const runOf = (r: QueryResult, load: string): EngineRun => ({ wallSeconds: r.wallSeconds, cpuSeconds: r.processCpuSeconds, rows: r.outputRows, load });
    const l0 = loadAverage();
    const bigRuns = await weirRuns(big, events, engine);
    const l1 = loadAverage();
    const tinyRuns = await weirRuns(small, tiny, engine);
    for (const row of rows) {
      const b = bigRuns.find((r) => r.query === row.query)!;
      const t = tinyRuns.find((r) => r.query === row.query)!;
      const bigRun = runOf(b, `${l0} → ${l1}`);
      const tinyRun = runOf(t, `${l1} → ${loadAverage()}`);
      const failed = b.error ?? t.error;
      row[field] = {
        big: bigRun, tiny: tinyRun,
        eventsPerSecondPerCore: failed ? 0 : perCore(events, tiny, bigRun, tinyRun), eventsPerSecond: failed ? 0 : perWall(events, tiny, bigRun, tinyRun),
        latencyP50Ms: b.latencyP50Ms, latencyP99Ms: b.latencyP99Ms, peakRssBytes: b.peakRssBytes, error: failed,
      };
    }
  }
  if (engines.includes('flink')) {
    const bigRuns = flinkRuns(big, side, `big-${events}`);
    const tinyRuns = flinkRuns(small, side, `tiny-${tiny}`);
    for (const row of rows) {
      const b = bigRuns[row.query];
      const t = tinyRuns[row.query];
      if (!b || !t) continue;
      row.flink = { big: b, tiny: t, eventsPerSecondPerCore: perCore(events, tiny, b, t), eventsPerSecond: perWall(events, tiny, b, t) };
    }
  }
  const ratio = (w: WeirFigures | undefined, f: Row['flink']): number | undefined =>
    (w && f && !w.error && w.eventsPerSecondPerCore > 0 ? Number((w.eventsPerSecondPerCore / f.eventsPerSecondPerCore).toFixed(2)) : undefined);
  for (const row of rows) {
    const r = ratio(row.weir, row.flink);
    const q = ratio(row.weirSql, row.flink);
    if (r !== undefined) row.ratio = r;
    if (q !== undefined) row.sqlRatio = q;
  }

  const fmt = (n: number | undefined | null): string => (n === undefined || n === null ? '-' : n.toLocaleString('en-US'));
  const perCoreText = (w: WeirFigures | undefined): string => (w?.error ? 'fails' : fmt(w?.eventsPerSecondPerCore));
  const lines = [
    '| query | weir DataStream events/s/core | weir SQL events/s/core | Flink events/s/core | DataStream / Flink | SQL / Flink | weir DS events/s | Flink events/s | weir DS p50 / p99 ms | weir DS peak RSS MB | rows out (DS / SQL / Flink) | load avg (DS; SQL; Flink big runs) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.query} | ${perCoreText(r.weir)} | ${perCoreText(r.weirSql)} | ${fmt(r.flink?.eventsPerSecondPerCore)} | ${r.ratio ?? '-'} | ${r.sqlRatio ?? '-'} | ${fmt(r.weir?.eventsPerSecond)} | ${fmt(r.flink?.eventsPerSecond)} | ${fmt(r.weir?.latencyP50Ms)} / ${fmt(r.weir?.latencyP99Ms)} | ${r.weir ? fmt(Math.round(r.weir.peakRssBytes / 2 ** 20)) : '-'} | ${fmt(r.weir?.big.rows)} / ${fmt(r.weirSql?.big.rows)} / ${fmt(r.flink?.big.rows)} | ${r.weir?.big.load ?? '-'}; ${r.weirSql?.big.load ?? '-'}; ${r.flink?.big.load ?? '-'} |`),
  ];
  io.stdout.write(lines.join('\n') + '\n');
  const json = arg('json', join(dir, 'side-by-side.json'));
  writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), events, tiny, seed, eventRate, flinkWatermarkInterval: watermarkInterval, rows }, null, 2) + '\n');
  io.stderr.write(`side-by-side: results in ${json}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`side-by-side: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
