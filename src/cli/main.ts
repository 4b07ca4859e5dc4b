#!/usr/bin/env node
/**
 * The `weir` command: thin wiring from subcommands to the library. Each subcommand lives in its own
 * module, loaded only when used, so `weir --help` starts fast.
 */
import { readFileSync } from 'node:fs';
import { errorMessage, WeirError } from '../core/errors.js';

export interface CliIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

type Command = (argv: string[], io: CliIO) => Promise<number>;

/** Subcommand → module (relative to this file) and its exported function. */
const COMMANDS: Record<string, { module: string; fn: string; summary: string }> = {
  demo: { module: './demo.js', fn: 'demoCommand', summary: 'the main job: weir demo [fraud] scores card transactions in SQL with an ONNX model; weir demo clicks' },
  run: { module: './run.js', fn: 'runCommand', summary: 'run a Flink SQL script: weir run FILE.sql [--parallelism N]' },
  sql: { module: './sql-shell.js', fn: 'sqlShellCommand', summary: 'interactive Flink SQL shell: query results print as they change' },
  topic: { module: './topic.js', fn: 'topicCommand', summary: 'embedded log topics: create | list | describe | produce | consume' },
  model: { module: './model.js', fn: 'modelCommand', summary: 'model registry: register | list | promote [--ab SHARE] | ab --off | shadow | rollback' },
  bench: { module: './bench.js', fn: 'benchCommand', summary: 'benchmarks: weir bench nexmark --queries q0,q1,... --events N [--parallelism P] [--json FILE]' },
  features: { module: './features.js', fn: 'featuresCommand', summary: 'point-in-time training data: weir features export --labels FILE.csv --out FILE.csv' },
  savepoint: { module: './savepoint.js', fn: 'savepointCommand', summary: 'take a savepoint of a running job: weir savepoint CHECKPOINT_DIR [--target DIR]' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'weir: real-time analytics: event time, windows, keyed state, streaming SQL and ONNX scoring',
    '',
    'usage: weir <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'weir <command> --help shows the options of a command.',
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(usage() + '\n');
    return 0;
  }
  if (cmd === '--version' || cmd === '-v') {
    io.stdout.write(version() + '\n');
    return 0;
  }
  const spec = COMMANDS[cmd];
  if (!spec) {
    io.stderr.write(`weir: unknown command "${cmd}"\n\n${usage()}\n`);
    return 2;
  }
  let fn: Command | undefined;
  try {
    const mod = (await import(spec.module)) as Record<string, Command>;
    fn = mod[spec.fn];
  } catch (err) {
    io.stderr.write(`weir ${cmd}: this build has no ${cmd} command (${errorMessage(err)})\n`);
    return 2;
  }
  if (!fn) {
    io.stderr.write(`weir ${cmd}: this build has no ${cmd} command\n`);
    return 2;
  }
  return fn(rest, io);
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.argv[1]?.endsWith('/weir') || process.argv[1]?.endsWith('main.js')) {
  main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`weir: ${err instanceof WeirError ? err.describe() : errorMessage(err)}\n`);
      if (!(err instanceof WeirError) || err.domain === 'internal') process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
      process.exitCode = 1;
    },
  );
}
