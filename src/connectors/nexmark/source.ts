import { UserError } from '../../core/errors.js';
import type { Source, SourceReader } from '../../runtime/source.js';
import { WatermarkStrategies, type WatermarkStrategy } from '../../runtime/watermarks.js';
import { NexmarkGenerator, type NexmarkConfig, type NexmarkEvent } from '../../nexmark/index.js';
import { wallClockMs } from './latency-histogram.js';

/**
 * A Nexmark event as the source hands it on: the generator's event plus `emittedAt`, the wall-clock time
 * (fractional epoch ms, see `wallClockMs`) at which the source emitted it. Operators copy `emittedAt`
 * into what they output, so a sink can measure latency = its wall time − `emittedAt`.
 */
export type TimedNexmarkEvent = NexmarkEvent & { emittedAt: number };

/** Options of {@link nexmarkSource}: the generator's (seed, `numEvents`, `firstEventRate`, …) and the reader's. */
export interface NexmarkSourceConfig extends Partial<NexmarkConfig> {
  /**
   * Events per second of wall-clock time, all parallel readers together. Absent or 0: as fast as the job
   * takes them. (The event-time rate is `firstEventRate`, independent of this.)
   */
  ratePerSecond?: number;
  name?: string;
}

/** Where a reader stands: the next event number it will read. Event numbers are global, so a position is valid at the same parallelism only. */
export interface NexmarkSourcePosition {
  next: number;
}

function checkRate(rate: number | undefined): number {
  if (rate === undefined) return 0;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
    throw new UserError(`nexmark source option ratePerSecond must be a number >= 0, got ${String(rate)}`, {
      origin: 'connector:nexmark', hint: 'leave it out (or 0) to read as fast as possible',
    });
  }
  return rate;
}

function readPosition(position: unknown, subtask: number, parallelism: number): number {
  const next = (position as NexmarkSourcePosition | null)?.next;
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0 || next % parallelism !== subtask % parallelism) {
    throw new UserError(`cannot restore nexmark reader ${subtask} of ${parallelism} from position ${JSON.stringify(position)}`, {
      origin: 'connector:nexmark', hint: 'restore a checkpoint taken at the same parallelism',
    });
  }
  return next;
}

/** Waits `ms`, or less when the job is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(); return; }
    const t = setTimeout(done, ms);
    function done(): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The Nexmark event stream as a DataStream source. Subtask i of P reads the event numbers ≡ i (mod P),
 * so any parallelism yields the same events; each event's time is the generator's `dateTime` (use
 * {@link nexmarkWatermarks}). Bounded when `numEvents` > 0. The checkpointed position is the next event
 * number, and the generator is random-access, so a restored reader continues exactly where it stood.
 *
 * @example
 * env.fromSource(nexmarkSource({ seed: 1, numEvents: 1_000_000 }), nexmarkWatermarks())
 *   .filter((e) => e.bid !== null)
 *   .sinkTo(latencySink({ emittedAt: (e) => e.emittedAt }));
 */
export function nexmarkSource(config: NexmarkSourceConfig = {}): Source<TimedNexmarkEvent> {
  const { ratePerSecond, name, ...generatorConfig } = config;
  const rate = checkRate(ratePerSecond);
  // Built once here so bad options fail when the job is defined, not inside a reader.
  const probe = new NexmarkGenerator(generatorConfig);
  const total = probe.config.numEvents === 0 ? Number.POSITIVE_INFINITY : probe.config.numEvents;
  return {
    name: name ?? 'nexmark',
    bounded: Number.isFinite(total),
    createReader({ subtaskIndex, parallelism, signal }): SourceReader<TimedNexmarkEvent> {
      const gen = subtaskIndex === 0 ? probe : new NexmarkGenerator(generatorConfig);
      let next = subtaskIndex;
      const perReader = rate / parallelism;
      let started = 0;
      let produced = 0;
      return {
        async poll(max) {
          if (next >= total || signal.aborted) return null;
          let limit = max;
          if (perReader > 0) {
            const now = wallClockMs();
            if (started === 0) started = now;
            const due = Math.floor(((now - started) / 1000) * perReader) - produced + 1;
            if (due <= 0) {
              await sleep(Math.max(1, Math.ceil(((produced / perReader) * 1000) - (now - started))), signal);
              return { batch: { values: [], timestamps: [] } };
            }
            limit = Math.min(max, due);
          }
          const batch = { values: [] as NexmarkEvent[], timestamps: [] as number[] };
          const n = gen.fillBatch(batch, next, limit, parallelism);
          next += n * parallelism;
          produced += n;
          // One clock read per batch: every event of the batch leaves the source at this moment.
          const emittedAt = wallClockMs();
          const values = batch.values as TimedNexmarkEvent[];
          for (let i = 0; i < n; i++) values[i]!.emittedAt = emittedAt;
          return { batch: { values, timestamps: batch.timestamps } };
        },
        snapshotPosition: (): NexmarkSourcePosition => ({ next }),
        restorePosition(position) { next = readPosition(position, subtaskIndex, parallelism); },
      };
    },
  };
}

/**
 * Event time from each event's `dateTime`, watermark = max event time − `outOfOrdernessMs` (default 4 s,
 * as Flink's Nexmark DDL: `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`).
 */
export function nexmarkWatermarks<T extends { dateTime: number }>(outOfOrdernessMs = 4000): WatermarkStrategy<T> {
  return WatermarkStrategies.boundedOutOfOrderness<T>(outOfOrdernessMs).withTimestampAssigner((e) => e.dateTime);
}
