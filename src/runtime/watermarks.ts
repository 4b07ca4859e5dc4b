import { MIN_WATERMARK } from '../core/time.js';

/**
 * Produces watermarks from the events of one source split. `onEvent` sees every record; the runtime
 * reads `currentWatermark()` after each batch (weir's counterpart of Flink's periodic emit).
 */
export interface WatermarkGenerator<T> {
  onEvent(value: T, timestamp: number): void;
  /** The watermark now: no record with a timestamp at or below it is expected any more. */
  currentWatermark(): number;
}

/** How a source's records get event time and watermarks, as Flink's `WatermarkStrategy`. */
export interface WatermarkStrategy<T> {
  createGenerator(): WatermarkGenerator<T>;
  /** Extracts a record's event time; without it the source's own timestamps are kept. */
  timestampAssigner?: ((value: T, sourceTimestamp: number) => number) | undefined;
  /** A split that sends nothing for this long (processing time) stops holding the watermark back. */
  idleTimeoutMs?: number | undefined;
}

/** Fluent builders for watermark strategies. */
export const WatermarkStrategies = {
  /**
   * Watermark = highest timestamp seen − `maxOutOfOrdernessMs` − 1, as Flink's
   * `forBoundedOutOfOrderness`: a record may arrive up to that much after a later one and still be on time.
   */
  boundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): StrategyBuilder<T> {
    return new StrategyBuilder<T>(() => new BoundedOutOfOrdernessGenerator<T>(maxOutOfOrdernessMs));
  },
  /** Timestamps only ever grow: watermark = highest timestamp seen − 1. */
  monotonousTimestamps<T>(): StrategyBuilder<T> {
    return new StrategyBuilder<T>(() => new BoundedOutOfOrdernessGenerator<T>(0));
  },
  /** No watermarks: event-time windows fire only at the end of bounded input. */
  noWatermarks<T>(): StrategyBuilder<T> {
    return new StrategyBuilder<T>(() => ({ onEvent() {}, currentWatermark: () => MIN_WATERMARK }));
  },
  /** A generator of your own. */
  custom<T>(create: () => WatermarkGenerator<T>): StrategyBuilder<T> {
    return new StrategyBuilder<T>(create);
  },
};

export class StrategyBuilder<T> implements WatermarkStrategy<T> {
  timestampAssigner: ((value: T, sourceTimestamp: number) => number) | undefined;
  idleTimeoutMs: number | undefined;

  constructor(readonly createGenerator: () => WatermarkGenerator<T>) {}

  withTimestampAssigner(fn: (value: T, sourceTimestamp: number) => number): StrategyBuilder<T> {
    const b = new StrategyBuilder<T>(this.createGenerator);
    b.timestampAssigner = fn;
    b.idleTimeoutMs = this.idleTimeoutMs;
    return b;
  }

  withIdleness(timeoutMs: number): StrategyBuilder<T> {
    const b = new StrategyBuilder<T>(this.createGenerator);
    b.timestampAssigner = this.timestampAssigner;
    b.idleTimeoutMs = timeoutMs;
    return b;
  }
}

export class BoundedOutOfOrdernessGenerator<T> implements WatermarkGenerator<T> {
  private maxTs: number;
  constructor(private readonly bound: number) {
    this.maxTs = Number.NEGATIVE_INFINITY;
  }
  onEvent(_value: T, timestamp: number): void {
    if (timestamp > this.maxTs) this.maxTs = timestamp;
  }
  currentWatermark(): number {
    return this.maxTs === Number.NEGATIVE_INFINITY ? MIN_WATERMARK : this.maxTs - this.bound - 1;
  }
}

/**
 * Combines the watermarks of several inputs (source splits, or the upstream channels of a task) by
 * minimum. Idle inputs do not hold the minimum back; ended inputs count as +∞. The combined watermark
 * never goes backwards.
 */
export class WatermarkCombiner {
  private readonly marks: number[];
  private readonly idle: boolean[];
  private combined = MIN_WATERMARK;

  constructor(inputs: number) {
    this.marks = new Array<number>(inputs).fill(MIN_WATERMARK);
    this.idle = new Array<boolean>(inputs).fill(false);
  }

  get size(): number {
    return this.marks.length;
  }

  get current(): number {
    return this.combined;
  }

  /** Records an input's watermark; returns the new combined watermark if it advanced, else undefined. */
  update(input: number, watermark: number): number | undefined {
    if (watermark > this.marks[input]!) this.marks[input] = watermark;
    this.idle[input] = false;
    return this.recompute();
  }

  setIdle(input: number, idle: boolean): number | undefined {
    this.idle[input] = idle;
    return this.recompute();
  }

  /** True when every input is idle, so downstream should treat this one as idle too. */
  allIdle(): boolean {
    return this.idle.every((x) => x);
  }

  private recompute(): number | undefined {
    let min = Number.POSITIVE_INFINITY;
    let any = false;
    for (let i = 0; i < this.marks.length; i++) {
      if (this.idle[i]) continue;
      any = true;
      if (this.marks[i]! < min) min = this.marks[i]!;
    }
    if (!any) return undefined;
    if (min > this.combined) {
      this.combined = min;
      return min;
    }
    return undefined;
  }
}
