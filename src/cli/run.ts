import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StreamExecutionEnvironment } from '../api/environment.js';
import type { ChangeRow, Row } from '../connectors/registry.js';
import { printTarget } from '../connectors/registry.js';
import { describeSqlError, planScript } from '../sql/planner/index.js';
import type { SqlJob } from '../sql/planner/index.js';
import { formatValue } from '../sql/types/values.js';

/** Streams `weir run` writes to. */
export interface RunIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: weir run FILE.sql [--parallelism N] [--define NAME=VALUE ...]

Runs a Flink SQL script. Bounded jobs run to completion; a job over an unbounded source runs until
SIGINT or SIGTERM. SELECT results are printed as changelog rows (+I[...]); \${SCRIPT_DIR} in the
script is the script's directory, \${NAME} a --define.`;

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
    const script = planScript(text);
    const p = Number(script.catalog.config.get('parallelism.default') ?? parallelism);
    for (const step of script.steps) {
      if (step.kind === 'output') { if (step.text) io.stdout.write(step.text + '\n'); continue; }
      await runJob(step.job, argv.includes('--parallelism') || argv.includes('-p') ? parallelism : p, io);
    }
    return 0;
  } catch (e) {
    io.stderr.write(describeSqlError(e, text) + '\n');
    return 1;
  } finally {
    printTarget.write = previousPrint;
  }
}

async function runJob(job: SqlJob, parallelism: number, io: RunIO): Promise<void> {
  const env = StreamExecutionEnvironment.create({ parallelism, name: job.name });
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
