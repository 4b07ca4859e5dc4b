import { createInterface } from 'node:readline';
import { printTarget } from '../connectors/registry.js';
import { Catalog } from '../sql/catalog/index.js';
import { FunctionCatalog, FunctionModules } from '../sql/functions/index.js';
import { describeSqlError, planScriptAsync } from '../sql/planner/index.js';
import { runJob } from './run.js';
import type { CliIO } from './main.js';

const HELP = `weir sql: an interactive Flink SQL shell.

usage: weir sql [--parallelism N]

Type statements ending in ';'. CREATE TABLE / VIEW / MODEL / FUNCTION, SET, SHOW, DESCRIBE and EXPLAIN answer at
once. A SELECT prints its changelog rows (+I, -U, +U, -D) as they come, and INSERT INTO runs until its
sources end. Ctrl-C stops the running query (not the shell); Ctrl-D or 'QUIT;' leaves.`;

/**
 * `weir sql`: reads statements until ';', plans each against one session catalog (tables, views,
 * functions and models persist between statements) and runs what they start.
 */
export async function sqlShellCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(HELP + '\n');
    return 0;
  }
  const p = argv.indexOf('--parallelism');
  const parallelism = p >= 0 ? Number(argv[p + 1]) : 1;
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    io.stderr.write('weir sql: --parallelism needs a whole number >= 1\n');
    return 2;
  }
  const catalog = new Catalog();
  const functions = new FunctionCatalog();
  const modules = new FunctionModules();
  const interactive = Boolean(io.stdin.isTTY);
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: interactive });
  const prompt = (more: boolean) => { if (interactive) { rl.setPrompt(more ? '    -> ' : 'weir> '); rl.prompt(); } };
  if (interactive) io.stdout.write('weir SQL shell. Statements end with \';\'. Ctrl-D to leave.\n');
  const previousPrint = printTarget.write;
  printTarget.write = (line) => { io.stdout.write(line + '\n'); };
  let buffer = '';
  let failures = 0;
  prompt(false);
  try {
    for await (const line of rl) {
      buffer += (buffer ? '\n' : '') + line;
      if (!/;\s*$/.test(buffer)) {
        if (buffer.trim() === '') buffer = '';
        prompt(buffer !== '');
        continue;
      }
      const text = buffer;
      buffer = '';
      if (/^\s*(quit|exit)\s*;\s*$/i.test(text)) break;
      try {
        const script = await planScriptAsync(text, { catalog, functions, modules, baseDir: process.cwd() });
        for (const step of script.steps) {
          if (step.kind === 'output') {
            if (step.text) io.stdout.write(step.text + '\n');
          } else {
            await runJob(step.job, parallelism, io);
          }
        }
        if (script.steps.length === 0 || script.steps.every((s) => s.kind === 'output' && !s.text)) io.stdout.write('[OK]\n');
      } catch (e) {
        failures++;
        io.stderr.write(describeSqlError(e, text) + '\n');
      }
      prompt(false);
    }
  } finally {
    printTarget.write = previousPrint;
    rl.close();
  }
  if (buffer.trim() !== '') {
    io.stderr.write(`weir sql: input ended inside a statement (missing ';'): ${buffer.trim().slice(0, 80)}\n`);
    return 1;
  }
  // Piped input (a script): the exit code says whether every statement went through.
  return interactive || failures === 0 ? 0 : 1;
}
