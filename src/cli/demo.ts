import { StreamExecutionEnvironment } from '../api/environment.js';
import { OutputTag } from '../operators/operator.js';
import { fromGenerator } from '../runtime/source.js';
import { sinkTo } from '../runtime/sink.js';
import { WatermarkStrategies } from '../runtime/watermarks.js';
import { tumblingEventTimeWindows } from '../windows/assigners.js';
import { formatTimestamp } from '../core/time.js';
import type { CliIO } from './main.js';

const HELP = `weir demo clicks: page views per page in 10-second event-time windows, with out-of-order and late clicks.

usage: weir demo clicks [--events N] [--rate N] [--lateness MS]

  --events N     clicks to generate (default 2000000)
  --rate N       clicks per second, 0 for as fast as possible (default 0)
  --lateness MS  allowed lateness of the windows (default 1000)

Shows live progress, then a summary: events/s, windows fired, late clicks kept on the side output.`;

interface Click { page: string; user: number; ts: number }
const PAGES = ['/home', '/search', '/cart', '/checkout', '/product', '/account', '/help', '/blog'];
const BASE = Date.UTC(2026, 0, 1);

/** Deterministic clicks: 1 per ms of event time, most within 2 s of order, 1 in 500 very late (30 s). */
function click(n: number): Click {
  const h = Math.imul(n ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  const disorder = (h % 2000) - 1000;
  const late = h % 500 === 0 ? -30_000 : 0;
  return { page: PAGES[h % 7 === 0 ? 0 : (h >>> 8) % PAGES.length]!, user: h % 10_000, ts: BASE + n + disorder + late };
}

function option(argv: string[], name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number >= 0, got "${argv[i + 1] ?? ''}"`);
  return v;
}

/**
 * `weir demo [fraud]` runs the main job: the fraud pipeline (`weir demo fraud`). `weir demo clicks` runs
 * the DataStream page-view demo.
 */
export async function demoCommand(argv: string[], io: CliIO): Promise<number> {
  const [which, ...rest] = argv;
  if (which === 'clicks') return clicksDemo(rest, io);
  if (which === undefined || which === 'fraud' || which.startsWith('--')) {
    const { fraudDemoCommand } = await import('./demo-fraud.js');
    return fraudDemoCommand(which === 'fraud' ? rest : argv, io);
  }
  io.stderr.write(`weir demo: unknown demo "${which}"; choose fraud (the default) or clicks\n`);
  return 2;
}

async function clicksDemo(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(HELP + '\n');
    return 0;
  }
  const events = option(argv, 'events', 2_000_000);
  const rate = option(argv, 'rate', 0);
  const lateness = option(argv, 'lateness', 1000);
  const lateTag = new OutputTag<Click>('late-clicks');
  let generated = 0;
  let windows = 0;
  let late = 0;
  const top = new Map<number, { page: string; count: number }>();

  const env = StreamExecutionEnvironment.create({ name: 'demo: page views' });
  const counted = env
    .fromSource(
      fromGenerator(events, (n) => { generated++; return click(n); }, rate > 0 ? { ratePerSecond: rate, name: 'clicks' } : { name: 'clicks' }),
      WatermarkStrategies.boundedOutOfOrderness<Click>(2000).withTimestampAssigner((c) => c.ts),
    )
    .keyBy((c) => c.page)
    .window(tumblingEventTimeWindows(10_000))
    .allowedLateness(lateness)
    .sideOutputLateData(lateTag)
    .aggregate<number, number, { page: string; windowStart: number; count: number }>(
      { createAccumulator: () => 0, add: (_c, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b },
      { process: (page, ctx, [count], out) => out.collect({ page, windowStart: ctx.window.start, count: count! }) },
    );
  counted.sinkTo(sinkTo('windows', (b) => {
    windows += b.values.length;
    for (const r of b.values) {
      const best = top.get(r.windowStart);
      if (!best || r.count > best.count) top.set(r.windowStart, { page: r.page, count: r.count });
    }
  }));
  counted.getSideOutput(lateTag).sinkTo(sinkTo('late', (b) => { late += b.values.length; }));

  const started = Date.now();
  const tty = Boolean(io.stderr.isTTY);
  const progress = () => {
    const secs = (Date.now() - started) / 1000;
    const line = `${generated.toLocaleString('en-US')} clicks  ${Math.round(generated / Math.max(secs, 0.001)).toLocaleString('en-US')}/s  ${windows} window results  ${late} late`;
    io.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const timer = setInterval(progress, tty ? 250 : 1000);
  const stop = () => void job.cancel();
  const job = env.execute();
  process.once('SIGINT', stop);
  try {
    await job.done;
  } finally {
    clearInterval(timer);
    process.removeListener('SIGINT', stop);
  }
  progress();
  if (tty) io.stderr.write('\n');
  const secs = (Date.now() - started) / 1000;
  const busiest = [...top.entries()].sort((a, b) => a[0] - b[0]).slice(-3);
  io.stdout.write([
    '',
    `done: ${generated.toLocaleString('en-US')} clicks in ${secs.toFixed(1)} s (${Math.round(generated / secs).toLocaleString('en-US')} clicks/s)`,
    `windows: ${windows} results (10 s tumbling, allowed lateness ${lateness} ms, updated firings included)`,
    `late clicks kept on the side output: ${late}`,
    'busiest page in the last windows:',
    ...busiest.map(([start, b]) => `  ${formatTimestamp(start)}  ${b.page.padEnd(10)} ${b.count}`),
    '',
  ].join('\n'));
  return 0;
}
