import { MAX_WATERMARK } from '../core/time.js';
import { UserError } from '../core/errors.js';

/**
 * A window: a bucket of a keyed stream that a trigger fires. Every window knows the latest event time
 * that still belongs to it; results of the window carry that time as their timestamp.
 */
export interface Window {
  maxTimestamp(): number;
}

/**
 * The start of the window of length `windowSize` that holds `timestamp`, when windows are aligned to
 * `offset` (Flink's `TimeWindow.getWindowStartWithOffset`). Correct for negative timestamps: the start is
 * never after the timestamp.
 */
export function getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
  const remainder = (timestamp - offset) % windowSize;
  return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
}

/**
 * A window of event or processing time, `[start, end)`: `start` belongs to it, `end` does not.
 *
 * @example
 * const w = new TimeWindow(0, 60_000);
 * w.maxTimestamp(); // 59_999
 */
export class TimeWindow implements Window {
  constructor(readonly start: number, readonly end: number) {}

  /** The last millisecond in the window, `end - 1`. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  /** Whether the windows overlap or touch, as Flink decides which session windows to merge. */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window that covers both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }
}

/** The one window of `globalWindows()`: it never ends, so only a custom trigger (or the end of input) fires it. */
export class GlobalWindow implements Window {
  static readonly INSTANCE = new GlobalWindow();
  private constructor() {}

  maxTimestamp(): number {
    return MAX_WATERMARK;
  }

  toString(): string {
    return 'GlobalWindow';
  }
}

/**
 * Merges overlapping or touching time windows (Flink's `TimeWindow.mergeWindows`): sorts by start and
 * reports each group of two or more distinct windows together with the window that covers them.
 */
export function mergeTimeWindows(
  windows: readonly TimeWindow[],
  callback: (toMerge: TimeWindow[], mergeResult: TimeWindow) => void,
): void {
  const sorted = [...windows].sort((a, b) => a.start - b.start || a.end - b.end);
  let cover: TimeWindow | undefined;
  let group: TimeWindow[] = [];
  const flush = (): void => {
    if (cover !== undefined && group.length > 1) callback(group, cover);
  };
  for (const w of sorted) {
    if (cover === undefined) {
      cover = w;
      group = [w];
    } else if (cover.intersects(w)) {
      cover = cover.cover(w);
      // A window listed twice is one window: Flink collects candidates in a set.
      if (!group.some((g) => g.equals(w))) group.push(w);
    } else {
      flush();
      cover = w;
      group = [w];
    }
  }
  flush();
}

/** Checks a window length or gap given by the user, naming the option when it is wrong. */
export function requirePositiveMs(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError(`${what} must be a positive number of milliseconds, got ${String(value)}`, {
      hint: `pass ${what} in ms, e.g. 60_000 for one minute`,
    });
  }
  return value;
}
