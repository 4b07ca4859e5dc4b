import { errorMessage } from '../core/errors.js';
import { runFraudDemo } from '../demo/fraud/runner.js';
import type { FraudDemoSummary, FraudProgress } from '../demo/fraud/runner.js';
import type { CliIO } from './main.js';

const HELP = `weir demo fraud: card transactions scored by an ONNX model inside a Flink SQL pipeline,
read from and alerting to topics of the embedded log.

usage: weir demo fraud [--events N] [--rate R] [--seed S] [--model PATH] [--log DIR]

  --events N    transactions to generate (default 50000)
  --rate R      transactions per second, 0 for as fast as possible (default 0)
  --seed S      generator seed (default 42; the shipped model was trained on seeds 1-8)
  --model PATH  ONNX model to score with (default the shipped src/demo/fraud/model/fraud.onnx);
                a missing file shows the rule fallback at work
  --log DIR     the embedded log directory (default a new temporary one); must not hold
                transactions yet. Read the alerts afterwards with:
                weir topic consume fraud_alerts --dir DIR

The generated transactions, with injected fraud, are written as JSON keyed by card to topic
transactions (4 partitions) while src/demo/fraud/pipeline.sql reads them from there: OVER-window
features per card, ML_PREDICT with the model, rules when the model cannot score, and alerts where
score > 0.8 written to topic fraud_alerts. Live progress goes to stderr;
the summary (precision and recall against the generator's injected fraud) to stdout.`;

function option(argv: string[], name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number >= 0, got "${argv[i + 1] ?? ''}"`);
  return v;
}

function stringOption(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (Number.isNaN(n) ? '-' : `${fmt(n)} ms`);
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;

function progressLine(p: FraudProgress): string {
  return `events ${fmt(p.events)}  ${fmt(p.eventsPerSecond)}/s  alerts ${fmt(p.alerts)}  p99 event→alert ${ms(p.p99LatencyMs)}`;
}

/** The summary printed at the end. */
export function formatFraudSummary(s: FraudDemoSummary): string {
  const c = s.scoring;
  return [
    `fraud demo: ${fmt(s.events)} transactions in ${s.seconds.toFixed(1)} s (${fmt(s.eventsPerSecond)} events/s)`,
    `  alerts          ${fmt(s.alerts)} (score > 0.8)`,
    `  precision       ${pct(s.precision)}  (${fmt(s.truePositives)} of ${fmt(s.alerts)} alerts were fraud)`,
    `  recall          ${pct(s.recall)}  (${fmt(s.truePositives)} of ${fmt(s.fraudTransactions)} fraudulent transactions)`,
    `  incidents       ${fmt(s.incidentsCaught)} of ${fmt(s.incidents)} fraud incidents raised at least one alert`,
    `  latency         p50 ${ms(s.p50LatencyMs)}, p99 ${ms(s.p99LatencyMs)} (event ingested → alert written)`,
    `  scored by       model ${fmt(c.scored)}, fallback ${fmt(c.fallback)} (bad rows ${fmt(c.badRows)}, model errors ${fmt(c.modelErrors)}, timeouts ${fmt(c.timeouts)}, load errors ${fmt(c.loadErrors)})`,
  ].join('\n');
}

/** `weir demo fraud`: runs the fraud pipeline on generated transactions and reports how well it did. */
export async function fraudDemoCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(HELP + '\n');
    return 0;
  }
  let events: number;
  let rate: number;
  let seed: number;
  let modelPath: string | undefined;
  let logDir: string | undefined;
  try {
    events = option(argv, 'events', 50_000);
    rate = option(argv, 'rate', 0);
    seed = option(argv, 'seed', 42);
    modelPath = stringOption(argv, 'model');
    logDir = stringOption(argv, 'log');
    if (!Number.isInteger(events) || events < 1) throw new Error(`--events needs a whole number >= 1, got ${events}`);
  } catch (err) {
    io.stderr.write(`weir demo fraud: ${errorMessage(err)}\n\n${HELP}\n`);
    return 2;
  }
  const tty = io.stderr.isTTY === true;
  let lastLine = 0;
  try {
    const summary = await runFraudDemo({
      events, rate, seed,
      ...(modelPath !== undefined ? { modelPath } : {}),
      ...(logDir !== undefined ? { logDir } : {}),
      progressIntervalMs: tty ? 250 : 1000,
      onProgress: (p) => {
        if (tty) io.stderr.write(`\r${progressLine(p)}\x1b[K`);
        else if (p.elapsedMs - lastLine >= 1000 || p.events === events) {
          lastLine = p.elapsedMs;
          io.stderr.write(`${progressLine(p)}\n`);
        }
      },
    });
    if (tty) io.stderr.write('\n');
    io.stdout.write(formatFraudSummary(summary) + '\n');
    io.stdout.write(`  log             ${summary.logDir} (weir topic consume fraud_alerts --dir ${summary.logDir})\n`);
    return 0;
  } catch (err) {
    if (tty) io.stderr.write('\n');
    io.stderr.write(`weir demo fraud failed: ${errorMessage(err)}\n`);
    return 1;
  }
}
