/**
 * `weir bench nexmark`: the Nexmark benchmark. The harness and the query jobs live in `bench/nexmark/`
 * (a development checkout has them under `dist/bench`), loaded only when this command runs.
 */
import { writeFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type * as Harness from '../../bench/nexmark/harness.js';

const USAGE = `usage: weir bench nexmark [options]

  --queries LIST       comma-separated queries (q0,q1,...) or 'all' (default all); 'gen' costs the input alone
  --events N           events per query (default 1000000)
  --parallelism P      parallelism of every operator; P > 1 runs on P worker threads (default 1)
  --seed S             generator seed (default 42)
  --event-rate R       events per second of event time (default 10000000, as Flink's Nexmark suite)
  --rate R             throttle the source to R events/s of wall-clock time (default: as fast as possible)
  --engine E           datastream (default: bench/nexmark/queries.ts) or sql (the Flink SQL text, weir's planner)
  --input FILE         read this NDJSON file (from --write-input) instead of generating
  --write-input FILE   write the events as NDJSON to FILE (the Flink side's input) and exit
  --json FILE          also write the results as JSON
  --cpu-prof DIR       write a node --cpu-prof profile per query into DIR
`;

interface Io { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') { flags.set('help', 'true'); continue; }
    if (!a.startsWith('--')) throw new UserError(`unexpected argument "${a}"`, { hint: USAGE });
    const eq = a.indexOf('=');
    if (eq > 0) { flags.set(a.slice(2, eq), a.slice(eq + 1)); continue; }
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UserError(`option ${a} needs a value`, { hint: USAGE });
    flags.set(a.slice(2), v);
    i++;
  }
  return flags;
}

function positiveInt(flags: Map<string, string>, name: string, dflt: number, min = 1): number {
  const text = flags.get(name);
  if (text === undefined) return dflt;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min) throw new UserError(`--${name} must be a whole number >= ${min}, got "${text}"`);
  return n;
}

function engineOf(text: string | undefined): 'datastream' | 'sql' {
  if (text === undefined || text === 'datastream' || text === 'sql') return text ?? 'datastream';
  throw new UserError(`--engine must be 'datastream' or 'sql', got "${text}"`);
}

/**
 * `weir bench nexmark ...`. Returns the exit code: 0 when every query ran, 1 on a failure, 2 on bad usage.
 *
 * @example
 * await benchCommand(['nexmark', '--queries', 'q0,q1', '--events', '1000000', '--json', 'out.json'], process);
 */
export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const [suite, ...rest] = argv;
  if (suite === undefined || suite === '--help' || suite === '-h') { io.stdout.write(USAGE); return suite === undefined ? 2 : 0; }
  if (suite !== 'nexmark') { io.stderr.write(`weir bench: unknown benchmark "${suite}"\n\n${USAGE}`); return 2; }
  let flags: Map<string, string>;
  try {
    flags = parseFlags(rest);
  } catch (e) {
    io.stderr.write(`weir bench: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.has('help')) { io.stdout.write(USAGE); return 0; }
  let harness: typeof Harness;
  try {
    harness = await import(new URL('../../bench/nexmark/harness.js', import.meta.url).href) as typeof Harness;
  } catch (cause) {
    io.stderr.write(`weir bench: the Nexmark harness is not installed (${(cause as Error).message}); run it from a weir checkout after \`npm run build\`\n`);
    return 1;
  }
  try {
    const events = positiveInt(flags, 'events', 1_000_000);
    const seed = positiveInt(flags, 'seed', 42, 0);
    const firstEventRate = positiveInt(flags, 'event-rate', 10_000_000);
    const writeTo = flags.get('write-input');
    if (writeTo !== undefined) {
      await harness.writeInput(writeTo, events, seed, firstEventRate, io);
      return 0;
    }
    const results = await harness.runNexmarkBench({
      queries: harness.resolveQueries(flags.get('queries') ?? 'all'),
      events,
      parallelism: positiveInt(flags, 'parallelism', 1),
      seed,
      firstEventRate,
      input: flags.get('input'),
      ratePerSecond: flags.has('rate') ? positiveInt(flags, 'rate', 0, 0) : undefined,
      cpuProfileDir: flags.get('cpu-prof'),
      engine: engineOf(flags.get('engine')),
    }, io);
    io.stdout.write(harness.formatTable(results) + '\n');
    const json = flags.get('json');
    if (json !== undefined) writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
    return results.some((r) => r.error !== undefined) ? 1 : 0;
  } catch (e) {
    io.stderr.write(`weir bench: ${(e as Error).message}\n`);
    const hint = (e as { hint?: string }).hint;
    if (hint) io.stderr.write(`hint: ${hint}\n`);
    return e instanceof UserError ? 2 : 1;
  }
}
