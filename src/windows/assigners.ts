import { UserError } from '../core/errors.js';
import { NO_TIMESTAMP } from '../core/time.js';
import type { Namespace } from '../state/heap-backend.js';
import type { Trigger } from './triggers.js';
import { EventTimeTrigger, ProcessingTimeTrigger } from './triggers.js';
import { GlobalWindow, TimeWindow, getWindowStartWithOffset, mergeTimeWindows, requirePositiveMs } from './window.js';
import type { Window } from './window.js';

/** What an assigner may ask of the operator while assigning. */
export interface WindowAssignerContext {
  currentProcessingTime(): number;
}

/**
 * Puts each element into zero or more windows (Flink's `WindowAssigner`), and names the trigger used when
 * the user gives none.
 *
 * The array `assignWindows` returns may be reused by the next call (so an element that lands in the same
 * window as the one before costs no allocation): read it at once and do not keep it.
 *
 * `namespaceOf`/`windowOf` map a window to the key of its state and timers and back. Assigners whose
 * windows are told apart by their end use the end, a number, which keeps the hot path free of strings.
 */
export interface WindowAssigner<T, W extends Window> {
  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): readonly W[];
  defaultTrigger(): Trigger<T, W>;
  isEventTime(): boolean;
  namespaceOf(window: W): Namespace;
  windowOf(namespace: Namespace): W;
  toString?(): string;
}

/** An assigner whose windows can merge, e.g. sessions (Flink's `MergingWindowAssigner`). */
export interface MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  /** Reports each group of windows that must become one, with the window they become. */
  mergeWindows(windows: readonly W[], callback: (toMerge: W[], mergeResult: W) => void): void;
}

export function isMergingAssigner<T, W extends Window>(a: WindowAssigner<T, W>): a is MergingWindowAssigner<T, W> {
  return typeof (a as Partial<MergingWindowAssigner<T, W>>).mergeWindows === 'function';
}

/** The error of an event-time window fed a record without a timestamp, worded as Flink words it. */
export function noTimestampError(assigner: string): UserError {
  return new UserError(
    'Record has no timestamp. Is the time characteristic processing time, or did you forget to call ' +
      'assignTimestampsAndWatermarks(...)?',
    {
      origin: assigner,
      hint: 'assign event time with assignTimestampsAndWatermarks(...) before the window, or use a processing-time window',
    },
  );
}

function checkOffset(offset: number, bound: number, name: string, boundName: string): void {
  if (!Number.isFinite(offset) || Math.abs(offset) >= bound) {
    throw new UserError(`${name}: offset must satisfy abs(offset) < ${boundName} (${bound}), got ${String(offset)}`);
  }
}

/** Tumbling windows: fixed size, no overlap, aligned to `offset` (Flink's `Tumbling*TimeWindows`). */
export class TumblingWindows implements WindowAssigner<unknown, TimeWindow> {
  private last: TimeWindow[] = [new TimeWindow(Number.NaN, Number.NaN)];
  private lastWindowOfNs = new TimeWindow(Number.NaN, Number.NaN);

  constructor(readonly size: number, readonly offset: number, private readonly eventTime: boolean) {
    requirePositiveMs(size, 'window size');
    checkOffset(offset, size, this.toString(), 'size');
  }

  assignWindows(_element: unknown, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    let t = timestamp;
    if (this.eventTime) {
      if (t === NO_TIMESTAMP) throw noTimestampError(this.toString());
    } else t = ctx.currentProcessingTime();
    const w = this.last[0]!;
    if (t >= w.start && t < w.end) return this.last;
    const start = getWindowStartWithOffset(t, this.offset, this.size);
    this.last = [new TimeWindow(start, start + this.size)];
    return this.last;
  }
  defaultTrigger(): Trigger<unknown, TimeWindow> {
    return this.eventTime ? new EventTimeTrigger() : new ProcessingTimeTrigger();
  }
  isEventTime(): boolean {
    return this.eventTime;
  }
  namespaceOf(window: TimeWindow): Namespace {
    return window.end;
  }
  windowOf(namespace: Namespace): TimeWindow {
    const end = namespace as number;
    if (this.lastWindowOfNs.end !== end) this.lastWindowOfNs = new TimeWindow(end - this.size, end);
    return this.lastWindowOfNs;
  }
  toString(): string {
    return `Tumbling${this.eventTime ? 'Event' : 'Processing'}TimeWindows(${this.size}, ${this.offset})`;
  }
}

/**
 * Sliding (hopping) windows: `size` long, a new one every `slide`, aligned to `offset`; an element lands in
 * about `size / slide` windows (Flink's `Sliding*TimeWindows`).
 */
export class SlidingWindows implements WindowAssigner<unknown, TimeWindow> {
  private lastSlideStart = Number.NaN;
  private lastT = Number.NaN;
  private readonly sizeIsMultiple: boolean;
  private last: TimeWindow[] = [];
  private lastWindowOfNs = new TimeWindow(Number.NaN, Number.NaN);

  constructor(readonly size: number, readonly slide: number, readonly offset: number, private readonly eventTime: boolean) {
    requirePositiveMs(size, 'window size');
    requirePositiveMs(slide, 'window slide');
    checkOffset(offset, slide, this.toString(), 'slide');
    this.sizeIsMultiple = size % slide === 0;
  }

  assignWindows(_element: unknown, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    let t = timestamp;
    if (this.eventTime) {
      if (t === NO_TIMESTAMP) throw noTimestampError(this.toString());
    } else t = ctx.currentProcessingTime();
    // Within one slide the windows are the same only when the size is a multiple of the slide.
    if (this.sizeIsMultiple ? t >= this.lastSlideStart && t < this.lastSlideStart + this.slide : t === this.lastT) return this.last;
    const lastStart = getWindowStartWithOffset(t, this.offset, this.slide);
    const windows: TimeWindow[] = [];
    for (let start = lastStart; start > t - this.size; start -= this.slide) windows.push(new TimeWindow(start, start + this.size));
    this.lastSlideStart = lastStart;
    this.lastT = t;
    this.last = windows;
    return windows;
  }
  defaultTrigger(): Trigger<unknown, TimeWindow> {
    return this.eventTime ? new EventTimeTrigger() : new ProcessingTimeTrigger();
  }
  isEventTime(): boolean {
    return this.eventTime;
  }
  namespaceOf(window: TimeWindow): Namespace {
    return window.end;
  }
  windowOf(namespace: Namespace): TimeWindow {
    const end = namespace as number;
    if (this.lastWindowOfNs.end !== end) this.lastWindowOfNs = new TimeWindow(end - this.size, end);
    return this.lastWindowOfNs;
  }
  toString(): string {
    return `Sliding${this.eventTime ? 'Event' : 'Processing'}TimeWindows(${this.size}, ${this.slide}, ${this.offset})`;
  }
}

/**
 * Cumulating windows (Flink SQL's `CUMULATE`): within each `maxSize` period starting at `start`, the
 * windows `[start, start + step)`, `[start, start + 2·step)`, … `[start, start + maxSize)`. An element
 * lands in every one of them that reaches past it.
 */
export class CumulateWindows implements WindowAssigner<unknown, TimeWindow> {
  private lastStepStart = Number.NaN;
  private last: TimeWindow[] = [];
  private lastWindowOfNs = new TimeWindow(Number.NaN, Number.NaN);

  constructor(readonly step: number, readonly maxSize: number, readonly offset: number, private readonly eventTime: boolean) {
    requirePositiveMs(step, 'cumulate step');
    requirePositiveMs(maxSize, 'cumulate max size');
    if (maxSize % step !== 0) {
      throw new UserError(`cumulate windows need maxSize to be a whole multiple of step, got maxSize ${maxSize} and step ${step}`);
    }
    checkOffset(offset, step, this.toString(), 'step');
  }

  assignWindows(_element: unknown, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    let t = timestamp;
    if (this.eventTime) {
      if (t === NO_TIMESTAMP) throw noTimestampError(this.toString());
    } else t = ctx.currentProcessingTime();
    if (t >= this.lastStepStart && t < this.lastStepStart + this.step) return this.last;
    const start = getWindowStartWithOffset(t, this.offset, this.maxSize);
    const lastEnd = start + this.maxSize;
    const stepStart = getWindowStartWithOffset(t, this.offset, this.step);
    const windows: TimeWindow[] = [];
    for (let end = stepStart + this.step; end <= lastEnd; end += this.step) windows.push(new TimeWindow(start, end));
    this.lastStepStart = stepStart;
    this.last = windows;
    return windows;
  }
  defaultTrigger(): Trigger<unknown, TimeWindow> {
    return this.eventTime ? new EventTimeTrigger() : new ProcessingTimeTrigger();
  }
  isEventTime(): boolean {
    return this.eventTime;
  }
  namespaceOf(window: TimeWindow): Namespace {
    return window.end;
  }
  windowOf(namespace: Namespace): TimeWindow {
    const end = namespace as number;
    if (this.lastWindowOfNs.end !== end) {
      this.lastWindowOfNs = new TimeWindow(getWindowStartWithOffset(end - 1, this.offset, this.maxSize), end);
    }
    return this.lastWindowOfNs;
  }
  toString(): string {
    return `Cumulate${this.eventTime ? 'Event' : 'Processing'}TimeWindows(${this.step}, ${this.maxSize}, ${this.offset})`;
  }
}

/** Extracts the session gap (ms) of an element, for sessions whose gap depends on the data. */
export type SessionGapExtractor<T> = (element: T) => number;

/**
 * Session windows: an element opens `[t, t + gap)` and windows that overlap or touch merge (Flink's
 * `EventTimeSessionWindows`, `DynamicEventTimeSessionWindows` and their processing-time twins).
 */
export class SessionWindows<T> implements MergingWindowAssigner<T, TimeWindow> {
  constructor(private readonly gap: number | SessionGapExtractor<T>, private readonly eventTime: boolean) {
    if (typeof gap === 'number') requirePositiveMs(gap, 'session gap');
  }

  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    let t = timestamp;
    if (this.eventTime) {
      if (t === NO_TIMESTAMP) throw noTimestampError(this.toString());
    } else t = ctx.currentProcessingTime();
    let gap: number;
    if (typeof this.gap === 'number') gap = this.gap;
    else {
      gap = this.gap(element);
      if (!(gap > 0) || !Number.isFinite(gap)) {
        throw new UserError(`the session gap extractor returned ${String(gap)}; the gap must be a positive number of ms`, {
          origin: this.toString(),
          hint: 'make the extractor return a gap > 0 for every element',
        });
      }
    }
    return [new TimeWindow(t, t + gap)];
  }
  mergeWindows(windows: readonly TimeWindow[], callback: (toMerge: TimeWindow[], mergeResult: TimeWindow) => void): void {
    mergeTimeWindows(windows, callback);
  }
  defaultTrigger(): Trigger<T, TimeWindow> {
    return this.eventTime ? new EventTimeTrigger() : new ProcessingTimeTrigger();
  }
  isEventTime(): boolean {
    return this.eventTime;
  }
  // Sessions of one key never share an end while both are alive, but a string keeps this obviously safe.
  namespaceOf(window: TimeWindow): Namespace {
    return `${window.start}:${window.end}`;
  }
  windowOf(namespace: Namespace): TimeWindow {
    const s = namespace as string;
    const i = s.indexOf(':');
    return new TimeWindow(Number(s.slice(0, i)), Number(s.slice(i + 1)));
  }
  toString(): string {
    const kind = typeof this.gap === 'number' ? '' : 'Dynamic';
    const gap = typeof this.gap === 'number' ? String(this.gap) : 'extractor';
    return `${kind}${this.eventTime ? 'Event' : 'Processing'}TimeSessionWindows(${gap})`;
  }
}

const GLOBAL: readonly GlobalWindow[] = [GlobalWindow.INSTANCE];

/**
 * Every element of a key in one window that never ends (Flink's `GlobalWindows`). Its default trigger
 * never fires: give a trigger such as `countTrigger(n)`.
 */
export class GlobalWindows implements WindowAssigner<unknown, GlobalWindow> {
  assignWindows(): readonly GlobalWindow[] {
    return GLOBAL;
  }
  defaultTrigger(): Trigger<unknown, GlobalWindow> {
    return new NeverTrigger();
  }
  isEventTime(): boolean {
    return false;
  }
  namespaceOf(_window: GlobalWindow): Namespace {
    return 0;
  }
  windowOf(_namespace: Namespace): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }
  toString(): string {
    return 'GlobalWindows()';
  }
}

/** The default trigger of global windows: never fires. */
export class NeverTrigger implements Trigger<unknown, GlobalWindow> {
  onElement(): 'continue' {
    return 'continue';
  }
  onEventTime(): 'continue' {
    return 'continue';
  }
  onProcessingTime(): 'continue' {
    return 'continue';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(): void {}
  clear(): void {}
  toString(): string {
    return 'NeverTrigger()';
  }
}

/**
 * Tumbling event-time windows of `size` ms, aligned to the epoch plus `offset` (e.g. `-8h` for days
 * starting at midnight UTC+8).
 *
 * @example
 * new WindowOperator({ assigner: tumblingEventTimeWindows(60_000), aggregate: countAgg });
 */
export function tumblingEventTimeWindows(size: number, offset = 0): TumblingWindows {
  return new TumblingWindows(size, offset, true);
}
export function tumblingProcessingTimeWindows(size: number, offset = 0): TumblingWindows {
  return new TumblingWindows(size, offset, false);
}
/** Sliding (hopping) event-time windows of `size` ms, one every `slide` ms. */
export function slidingEventTimeWindows(size: number, slide: number, offset = 0): SlidingWindows {
  return new SlidingWindows(size, slide, offset, true);
}
export function slidingProcessingTimeWindows(size: number, slide: number, offset = 0): SlidingWindows {
  return new SlidingWindows(size, slide, offset, false);
}
/** Event-time sessions that close after `gap` ms without elements. */
export function eventTimeSessionWindows<T = unknown>(gap: number): SessionWindows<T> {
  return new SessionWindows<T>(gap, true);
}
export function processingTimeSessionWindows<T = unknown>(gap: number): SessionWindows<T> {
  return new SessionWindows<T>(gap, false);
}
/** Event-time sessions whose gap each element gives. */
export function dynamicEventTimeSessionWindows<T>(gap: SessionGapExtractor<T>): SessionWindows<T> {
  return new SessionWindows<T>(gap, true);
}
export function dynamicProcessingTimeSessionWindows<T>(gap: SessionGapExtractor<T>): SessionWindows<T> {
  return new SessionWindows<T>(gap, false);
}
/** Cumulating event-time windows growing by `step` ms up to `maxSize` ms (Flink SQL `CUMULATE`). */
export function cumulateEventTimeWindows(step: number, maxSize: number, offset = 0): CumulateWindows {
  return new CumulateWindows(step, maxSize, offset, true);
}
export function cumulateProcessingTimeWindows(step: number, maxSize: number, offset = 0): CumulateWindows {
  return new CumulateWindows(step, maxSize, offset, false);
}
/** One never-ending window per key; pair it with a trigger such as `countTrigger(n)`. */
export function globalWindows(): GlobalWindows {
  return new GlobalWindows();
}
