/**
 * The Nexmark benchmark harness behind `weir bench nexmark`: runs each query in its own Node process on
 * the same events (same seed and count, or the same NDJSON file) and reports events/s, events/s per core,
 * latency percentiles and peak RSS.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { writeNexmarkFile } from '../../src/nexmark/index.js';
import { NEXMARK_QUERIES } from './queries.js';
import type { QueryResult, RunQueryRequest } from './run-query.js';

export type { QueryResult } from './run-query.js';

/** Options of {@link runNexmarkBench}. */
export interface NexmarkBenchOptions {
  queries: string[];
  events: number;
  parallelism: number;
  seed: number;
  /** Events per second of event time (the generator's `firstEventRate`). */
  firstEventRate: number;
  /** Read this NDJSON file instead of generating (the input of the Flink side). */
  input?: string | undefined;
  /** Wall-clock rate limit of the source, events/s (0: none). */
  ratePerSecond?: number | undefined;
  /** `datastream` (default) or `sql` (the Flink SQL text through weir's planner; no latency figures). */
  engine?: 'datastream' | 'sql' | undefined;
  /** Write a `node --cpu-prof` profile of each query into this folder. */
  cpuProfileDir?: string | undefined;
}

/** Where progress lines go. */
export interface BenchIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Checks query names, expanding `all`. */
export function resolveQueries(list: string): string[] {
  const names = list === 'all' ? [...NEXMARK_QUERIES.keys()].filter((q) => q !== 'gen') : list.split(',').map((q) => q.trim()).filter((q) => q !== '');
  const unknown = names.filter((q) => !NEXMARK_QUERIES.has(q));
  if (unknown.length > 0 || names.length === 0) {
    throw new UserError(`unknown nexmark quer${unknown.length === 1 ? 'y' : 'ies'} ${unknown.join(', ') || '(none given)'}`, {
      hint: `choose from ${[...NEXMARK_QUERIES.keys()].join(', ')} or 'all'`,
    });
  }
  return names;
}

function runOne(req: RunQueryRequest, cpuProfileDir: string | undefined): Promise<QueryResult> {
  const entry = new URL('./run-query.js', import.meta.url);
  const execArgv = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir, '--cpu-prof-name', `${req.query}.cpuprofile`] : [];
  return new Promise((resolve, reject) => {
    const child = fork(entry, [JSON.stringify(req)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: QueryResult | undefined;
    child.on('message', (m) => { result = m as QueryResult; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result && code === 0) resolve(result);
      else reject(new Error(`query ${req.query} failed (exit code ${String(code)}); its error is above`));
    });
  });
}

const fmt = (n: number | null, digits = 0): string => (n === null ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** A fixed-width table of results. */
export function formatTable(results: QueryResult[]): string {
  const head = ['query', 'engine', 'events', 'out rows', 'wall s', 'cpu s', 'events/s', 'events/s/core', 'p50 ms', 'p99 ms', 'peak RSS MB'];
  const rows = results.map((r) => (r.error !== undefined ? [r.query, r.engine, 'failed', ...head.slice(3).map(() => '-')] : [
    r.query, r.engine, fmt(r.events), fmt(r.outputRows), fmt(r.wallSeconds, 2), fmt(r.cpuSeconds, 2), fmt(r.eventsPerSecond), fmt(r.eventsPerSecondPerCore),
    fmt(r.latencyP50Ms, 2), fmt(r.latencyP99Ms, 2), fmt(r.peakRssBytes / 2 ** 20),
  ]));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/** Runs the queries one after another, each in a fresh process, and returns their figures. */
export async function runNexmarkBench(options: NexmarkBenchOptions, io: BenchIO): Promise<QueryResult[]> {
  if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
  const results: QueryResult[] = [];
  const sideInput = join(tmpdir(), 'weir-nexmark-side-input.csv');
  if (options.engine === 'sql' && !existsSync(sideInput)) writeFileSync(sideInput, Array.from({ length: 10_000 }, (_, k) => `${k},side-${k}\n`).join(''));
  const source = options.input ? `file ${options.input}` : `generator (seed ${options.seed})`;
  for (const query of options.queries) {
    io.stderr.write(`nexmark ${query}: ${fmt(options.events)} events from the ${source}, parallelism ${options.parallelism}${options.engine === 'sql' ? ', weir SQL' : ''} ...\n`);
    let r: QueryResult;
    try {
      r = await runOne({
        query, events: options.events, seed: options.seed, parallelism: options.parallelism, firstEventRate: options.firstEventRate,
        input: options.input, ratePerSecond: options.ratePerSecond, engine: options.engine, sideInput,
      }, options.cpuProfileDir);
    } catch (e) {
      // One query that cannot run (e.g. SQL the planner does not support yet) must not hide the others.
      const error = (e as Error).message;
      io.stderr.write(`nexmark ${query}: FAILED: ${error}\n`);
      results.push({
        query, parallelism: options.parallelism, events: 0, outputRows: 0, wallSeconds: 0, cpuSeconds: 0, processCpuSeconds: 0, eventsPerSecond: 0,
        eventsPerSecondPerCore: 0, latencyP50Ms: null, latencyP99Ms: null, peakRssBytes: 0, input: options.input ? 'file' : 'generator',
        engine: options.engine ?? 'datastream', error,
      });
      continue;
    }
    io.stderr.write(`nexmark ${query}: ${fmt(r.eventsPerSecond)} events/s, ${fmt(r.eventsPerSecondPerCore)} events/s per core, p99 ${fmt(r.latencyP99Ms, 2)} ms, ${fmt(r.outputRows)} rows out\n`);
    results.push(r);
  }
  return results;
}

/** Writes the events once as NDJSON, for `--input` and for the Flink side. */
export async function writeInput(path: string, events: number, seed: number, firstEventRate: number, io: BenchIO): Promise<void> {
  let last = 0;
  const r = await writeNexmarkFile(path, { seed, numEvents: events, firstEventRate }, {
    onProgress: (p) => {
      if (p.events - last >= 1_000_000 || p.events === p.total) { last = p.events; io.stderr.write(`nexmark input: ${fmt(p.events)} / ${fmt(p.total)} events\n`); }
    },
  });
  io.stderr.write(`nexmark input: wrote ${fmt(r.events)} events, ${fmt(r.bytes / 2 ** 20, 1)} MB to ${r.path}\n`);
}
