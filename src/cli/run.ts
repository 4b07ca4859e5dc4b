import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StreamExecutionEnvironment } from '../api/environment.js';
import type { EnvironmentOptions } from '../api/environment.js';
import { UserError } from '../core/errors.js';
import { parseDuration } from '../core/time.js';
import type { ChangeRow, Row } from '../connectors/registry.js';
import { printTarget } from '../connectors/registry.js';
import { describeSqlError, planScriptAsync } from '../sql/planner/index.js';
import type { SqlJob } from '../sql/planner/index.js';
import { formatValue } from '../sql/types/values.js';

/** Streams `weir run` writes to. */
export interface RunIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: weir run FILE.sql [--parallelism N] [--define NAME=VALUE ...]
                     [--checkpoint-dir DIR] [--from-savepoint PATH] [--state-backend hashmap|lmdb] [--metrics-port N]

Runs a Flink SQL script. Bounded jobs run to completion; a job over an unbounded source runs until
SIGINT or SIGTERM. SELECT results are printed as changelog rows (+I[...]); \${SCRIPT_DIR} in the
script is the script's directory, \${NAME} a --define. CREATE FUNCTION f AS './udfs.js' reads the
module relative to the script's directory (see docs/udf.md).`;

/** Replaces `${NAME}` with defines (and `${SCRIPT_DIR}`); unknown names are left as they are. */
export function substitute(text: string, defines: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => defines[name] ?? m);
}

/**
 * `weir run FILE.sql`: plans the script, prints the output of SHOW/DESCRIBE/EXPLAIN, runs each job in
 * order and prints SELECT results. Returns 0 on success, 1 on an error (printed with line, column and
 * caret), 2 on bad usage.
 */
export async function runCommand(argv: string[], io: RunIO): Promise<number> {
  let file: string | undefined;
  let parallelism = 1;
  const defines: Record<string, string> = {};
  const flags: RunFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') { io.stdout.write(USAGE + '\n'); return 0; }
    if (a === '--parallelism' || a === '-p') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) { io.stderr.write(`weir run: --parallelism needs a whole number >= 1\n`); return 2; }
      parallelism = n;
    } else if (a === '--define' || a === '-D') {
      const kv = argv[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq <= 0) { io.stderr.write(`weir run: --define needs NAME=VALUE\n`); return 2; }
      defines[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--checkpoint-dir' || a === '--from-savepoint' || a === '--state-backend' || a === '--metrics-port') {
      const v = argv[++i];
      if (v === undefined) { io.stderr.write(`weir run: ${a} needs a value\n`); return 2; }
      if (a === '--checkpoint-dir') flags.checkpointDir = v;
      else if (a === '--from-savepoint') flags.savepoint = v;
      else if (a === '--state-backend') flags.stateBackend = v;
      else {
        const port = Number(v);
        if (!Number.isInteger(port) || port < 0 || port > 65535) { io.stderr.write(`weir run: --metrics-port needs a port number\n`); return 2; }
        flags.metricsPort = port;
      }
    } else if (a.startsWith('-')) {
      io.stderr.write(`weir run: unknown option ${a}\n\n${USAGE}\n`);
      return 2;
    } else if (file === undefined) file = a;
    else { io.stderr.write(`weir run: one script at a time\n`); return 2; }
  }
  if (file === undefined) { io.stderr.write(USAGE + '\n'); return 2; }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.stderr.write(`weir run: cannot read ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  text = substitute(text, { SCRIPT_DIR: dirname(resolve(file)), ...defines });
  const previousPrint = printTarget.write;
  printTarget.write = (line) => { io.stdout.write(line + '\n'); };
  try {
    // CREATE FUNCTION modules are read relative to the script, as ${SCRIPT_DIR} is.
    const script = await planScriptAsync(text, { baseDir: dirname(resolve(file)) });
    const p = Number(script.catalog.config.get('parallelism.default') ?? parallelism);
    const jobs = script.steps.filter((st) => st.kind !== 'output').length;
    let jobIndex = 0;
    for (const step of script.steps) {
      if (step.kind === 'output') { if (step.text) io.stdout.write(step.text + '\n'); continue; }
      const settings = jobSettings(script.catalog.config, flags, jobs > 1 ? jobIndex : undefined);
      jobIndex++;
      await runJob(step.job, argv.includes('--parallelism') || argv.includes('-p') ? parallelism : p, io, settings);
    }
    return 0;
  } catch (e) {
    io.stderr.write(describeSqlError(e, text) + '\n');
    return 1;
  } finally {
    printTarget.write = previousPrint;
  }
}

interface RunFlags {
  checkpointDir?: string;
  savepoint?: string;
  stateBackend?: string;
  metricsPort?: number;
}

/**
 * Checkpointing, state backend and metrics for one job, from the command line and the script's SET
 * statements (Flink's keys; the command line wins). With several jobs in a script each checkpoints into
 * its own subdirectory, so each resumes on its own.
 */
function jobSettings(config: Map<string, string>, flags: RunFlags, jobIndex: number | undefined): EnvironmentOptions {
  const out: EnvironmentOptions = {};
  const base = flags.checkpointDir ?? config.get('execution.checkpointing.dir') ?? config.get('state.checkpoints.dir');
  const interval = config.get('execution.checkpointing.interval');
  const savepoint = flags.savepoint ?? config.get('execution.savepoint.path');
  if (interval !== undefined && base === undefined) {
    throw new UserError(`'execution.checkpointing.interval' is set, but there is no checkpoint directory`, {
      hint: "run with --checkpoint-dir DIR, or SET 'execution.checkpointing.dir' = '...'",
    });
  }
  if (base !== undefined) {
    const dir = jobIndex === undefined ? base : join(base, `job-${jobIndex}`);
    out.checkpointing = { intervalMs: interval === undefined ? 1000 : parseDuration(interval), dir, restoreFrom: savepoint };
  } else if (savepoint !== undefined) {
    throw new UserError('starting from a savepoint needs a checkpoint directory for the new run', { hint: 'add --checkpoint-dir DIR' });
  }
  const backend = (flags.stateBackend ?? config.get('state.backend.type') ?? 'hashmap').toLowerCase();
  if (backend === 'lmdb' || backend === 'rocksdb') {
    out.stateBackend = { kind: 'lmdb', dir: join(base ?? join('.weir', 'state'), 'state', String(jobIndex ?? 0)) };
  } else if (backend !== 'hashmap' && backend !== 'heap') {
    throw new UserError(`unknown state backend '${backend}'`, { hint: "use 'hashmap' (heap, the default) or 'lmdb' (on disk; 'rocksdb' is read as 'lmdb')" });
  }
  if (flags.metricsPort !== undefined) out.metricsPort = flags.metricsPort;
  return out;
}

/** Runs one planned SQL job; SELECT rows go to `io.stdout` as changelog rows. SIGINT cancels an unbounded job. */
export async function runJob(job: SqlJob, parallelism: number, io: RunIO, settings: EnvironmentOptions = {}): Promise<void> {
  const env = StreamExecutionEnvironment.create({ ...settings, parallelism, name: job.name });
  // SELECT rows are printed as they come (unbounded queries too), as Flink's changelog rows.
  job.build(env, {
    selectSink: (sink) => {
      const types = sink.fields.map((f) => f.type);
      return {
        name: `stdout(${sink.name})`,
        createWriter: () => ({
          write(batch) {
            let text = '';
            for (const v of batch.values) {
              const op = sink.updating ? (v as ChangeRow).op : '+I';
              const row = sink.updating ? (v as ChangeRow).row : (v as Row);
              text += `${op}[${row.map((x, i) => formatValue(x, types[i]!)).join(', ')}]\n`;
            }
            io.stdout.write(text);
          },
        }),
      };
    },
  });
  const handle = env.execute(job.name);
  const stop = (): void => { void handle.cancel(); };
  if (!job.bounded) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    await handle.done;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}
