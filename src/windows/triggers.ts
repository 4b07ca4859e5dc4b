import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, ReducingState,
  ReducingStateDescriptor, ValueState, ValueStateDescriptor,
} from '../state/descriptors.js';
import { reducingState } from '../state/descriptors.js';
import { UserError } from '../core/errors.js';
import type { Window } from './window.js';

/**
 * What a trigger decides for a window: leave it (`continue`), emit its result (`fire`), drop its contents
 * (`purge`), or both (`fireAndPurge`). Purging keeps the window's trigger state and timers.
 */
export type TriggerResult = 'continue' | 'fire' | 'purge' | 'fireAndPurge';

export function isFire(r: TriggerResult): boolean {
  return r === 'fire' || r === 'fireAndPurge';
}
export function isPurge(r: TriggerResult): boolean {
  return r === 'purge' || r === 'fireAndPurge';
}

/**
 * What a trigger may do while it decides: read the clocks, set and delete timers for the current (key,
 * window), and keep state per (key, window). State names are private to triggers: they never collide with
 * the window function's state.
 */
export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  getValueState<T>(desc: ValueStateDescriptor<T>): ValueState<T>;
  getReducingState<T>(desc: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(desc: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  getListState<T>(desc: ListStateDescriptor<T>): ListState<T>;
}

/** The context of `Trigger.onMerge`: the state of the windows being merged can be folded into the result. */
export interface OnMergeContext extends TriggerContext {
  /** Merges this state of all merged windows into the state of the resulting window. */
  mergePartitionedState(
    desc: ReducingStateDescriptor<any> | AggregatingStateDescriptor<any, any, any> | ListStateDescriptor<any>,
  ): void;
}

/**
 * Decides when a window fires (Flink's `Trigger`). Called for every element added to a window, and
 * for every timer it registered. `clear` must delete the timers and state the trigger set for the window;
 * the operator calls it when the window is cleaned up.
 *
 * @example
 * // Fires every time the window holds a multiple of 100 elements, and at the window's end.
 * const everyHundred: Trigger<unknown, TimeWindow> = {
 *   onElement(_el, _ts, w, ctx) {
 *     ctx.registerEventTimeTimer(w.maxTimestamp());
 *     const n = ctx.getReducingState(reducingState<number>('n', (a, b) => a + b));
 *     n.add(1);
 *     return n.get()! % 100 === 0 ? 'fire' : 'continue';
 *   },
 *   onEventTime: (t, w) => (t === w.maxTimestamp() ? 'fire' : 'continue'),
 *   onProcessingTime: () => 'continue',
 *   clear(w, ctx) { ctx.deleteEventTimeTimer(w.maxTimestamp()); ctx.getReducingState(...).clear(); },
 * };
 */
export interface Trigger<T, W extends Window> {
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Whether the trigger supports merging windows; needed with session windows. Default false. */
  canMerge?(): boolean;
  /** Called when windows merged into `window`: re-register timers, merge state. */
  onMerge?(window: W, ctx: OnMergeContext): void;
  clear(window: W, ctx: TriggerContext): void;
  toString?(): string;
}

/**
 * Fires once the watermark passes the end of the window, and then again for every element that arrives
 * within the allowed lateness (Flink's `EventTimeTrigger`). The default trigger of event-time windows.
 */
export class EventTimeTrigger implements Trigger<unknown, Window> {
  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const max = window.maxTimestamp();
    if (max <= ctx.currentWatermark()) return 'fire';
    ctx.registerEventTimeTimer(max);
    return 'continue';
  }
  onEventTime(time: number, window: Window): TriggerResult {
    return time === window.maxTimestamp() ? 'fire' : 'continue';
  }
  onProcessingTime(): TriggerResult {
    return 'continue';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    // A merged window whose end the watermark already passed fires through the next element instead.
    if (max > ctx.currentWatermark()) ctx.registerEventTimeTimer(max);
  }
  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }
  toString(): string {
    return 'EventTimeTrigger()';
  }
}

/** Fires when the processing-time clock reaches the end of the window (Flink's `ProcessingTimeTrigger`). */
export class ProcessingTimeTrigger implements Trigger<unknown, Window> {
  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return 'continue';
  }
  onEventTime(): TriggerResult {
    return 'continue';
  }
  onProcessingTime(): TriggerResult {
    return 'fire';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(max);
  }
  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }
  toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}

const sum = (a: number, b: number): number => a + b;

/** Fires each time the window has received `maxCount` more elements (Flink's `CountTrigger`). */
export class CountTrigger implements Trigger<unknown, Window> {
  private readonly countDesc = reducingState<number>('count', sum);

  constructor(readonly maxCount: number) {
    if (!Number.isInteger(maxCount) || maxCount <= 0) {
      throw new UserError(`countTrigger(n) needs a positive whole number of elements, got ${String(maxCount)}`);
    }
  }
  onElement(_element: unknown, _timestamp: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getReducingState(this.countDesc);
    count.add(1);
    if (count.get()! >= this.maxCount) {
      count.clear();
      return 'fire';
    }
    return 'continue';
  }
  onEventTime(): TriggerResult {
    return 'continue';
  }
  onProcessingTime(): TriggerResult {
    return 'continue';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countDesc);
  }
  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getReducingState(this.countDesc).clear();
  }
  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}

/** Turns every `fire` of the wrapped trigger into `fireAndPurge` (Flink's `PurgingTrigger`). */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  constructor(readonly nested: Trigger<T, W>) {}

  private static purged(r: TriggerResult): TriggerResult {
    return isFire(r) ? 'fireAndPurge' : r;
  }
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purged(this.nested.onElement(element, timestamp, window, ctx));
  }
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purged(this.nested.onEventTime(time, window, ctx));
  }
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return PurgingTrigger.purged(this.nested.onProcessingTime(time, window, ctx));
  }
  canMerge(): boolean {
    return this.nested.canMerge?.() ?? false;
  }
  onMerge(window: W, ctx: OnMergeContext): void {
    this.nested.onMerge?.(window, ctx);
  }
  clear(window: W, ctx: TriggerContext): void {
    this.nested.clear(window, ctx);
  }
  toString(): string {
    return `PurgingTrigger(${this.nested.toString?.() ?? 'trigger'})`;
  }
}

const min = (a: number, b: number): number => Math.min(a, b);

/**
 * Fires every `interval` ms of event time while the window is open, and at its end (Flink's
 * `ContinuousEventTimeTrigger`): early, updated results of a long window.
 */
export class ContinuousEventTimeTrigger implements Trigger<unknown, Window> {
  private readonly fireTimeDesc = reducingState<number>('fire-time', min);

  constructor(readonly interval: number) {
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new UserError(`continuousEventTimeTrigger(interval) needs a positive interval in ms, got ${String(interval)}`);
    }
  }
  onElement(_element: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const max = window.maxTimestamp();
    if (max <= ctx.currentWatermark()) return 'fire';
    ctx.registerEventTimeTimer(max);
    const fireTime = ctx.getReducingState(this.fireTimeDesc);
    if (fireTime.get() === undefined) this.registerNext(timestamp - (timestamp % this.interval), window, ctx, fireTime);
    return 'continue';
  }
  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return 'fire';
    const fireTime = ctx.getReducingState(this.fireTimeDesc);
    if (fireTime.get() === time) {
      fireTime.clear();
      this.registerNext(time, window, ctx, fireTime);
      return 'fire';
    }
    return 'continue';
  }
  onProcessingTime(): TriggerResult {
    return 'continue';
  }
  canMerge(): boolean {
    return true;
  }
  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTimeDesc);
    const next = ctx.getReducingState(this.fireTimeDesc).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }
  clear(_window: Window, ctx: TriggerContext): void {
    const fireTime = ctx.getReducingState(this.fireTimeDesc);
    const t = fireTime.get();
    if (t !== undefined) {
      ctx.deleteEventTimeTimer(t);
      fireTime.clear();
    }
  }
  toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }

  private registerNext(time: number, window: Window, ctx: TriggerContext, fireTime: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    fireTime.add(next);
    ctx.registerEventTimeTimer(next);
  }
}

/** The default trigger of event-time windows. */
export function eventTimeTrigger(): EventTimeTrigger {
  return new EventTimeTrigger();
}
/** The default trigger of processing-time windows. */
export function processingTimeTrigger(): ProcessingTimeTrigger {
  return new ProcessingTimeTrigger();
}
/**
 * Fires every `n` elements of a window; with `globalWindows()` this makes count windows.
 *
 * @example
 * new WindowOperator({ assigner: globalWindows(), trigger: purging(countTrigger(100)), aggregate: sumAgg });
 */
export function countTrigger(n: number): CountTrigger {
  return new CountTrigger(n);
}
/** Makes `trigger` drop the window's contents each time it fires. */
export function purging<T, W extends Window>(trigger: Trigger<T, W>): PurgingTrigger<T, W> {
  return new PurgingTrigger(trigger);
}
/** Fires every `interval` ms of event time and at the window's end. */
export function continuousEventTimeTrigger(interval: number): ContinuousEventTimeTrigger {
  return new ContinuousEventTimeTrigger(interval);
}
