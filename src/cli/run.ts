import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EnvironmentOptions } from '../api/environment.js';
import { printTarget } from '../connectors/registry.js';
import { describeSqlError } from '../sql/planner/index.js';
import type { SqlJob } from '../sql/planner/index.js';
import { startSqlJob, TableEnvironment } from '../sql/table-environment.js';
import type { TableEnvironmentOptions, TableResult } from '../sql/table-environment.js';

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
  let parallelism: number | undefined;
  const defines: Record<string, string> = {};
  const flags: TableEnvironmentOptions = {};
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
    const tenv = TableEnvironment.create({ ...flags, ...(parallelism !== undefined ? { parallelism } : {}), baseDir: dirname(resolve(file)) });
    await tenv.executeScript(text, { onResult: (result) => printResult(result, io) });
    return 0;
  } catch (e) {
    io.stderr.write(describeSqlError(e, text) + '\n');
    return 1;
  } finally {
    printTarget.write = previousPrint;
  }
}

/** Prints a statement's output and waits for its job; SIGINT or SIGTERM cancels an unbounded job. */
async function printResult(result: TableResult, io: RunIO): Promise<void> {
  const stop = (): void => { void result.cancel(); };
  if (!result.bounded) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    await result.print((text) => { io.stdout.write(text); });
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/** Runs one planned SQL job; SELECT rows go to `io.stdout` as changelog rows. SIGINT cancels an unbounded job. */
export async function runJob(job: SqlJob, parallelism: number, io: RunIO, settings: EnvironmentOptions = {}): Promise<void> {
  await printResult(startSqlJob(job, { ...settings, parallelism }), io);
}
