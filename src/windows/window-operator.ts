import type { Batch } from '../core/batch.js';
import type { Key, KeyLike } from '../core/keys.js';
import { keyGroupOf } from '../core/keys.js';
import { UserError, WeirError } from '../core/errors.js';
import type { KeyedStateBackend, Namespace } from '../state/heap-backend.js';
import { VOID_NAMESPACE } from '../state/heap-backend.js';
import type {
  AggregateFunction, AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState,
  MapStateDescriptor, ReducingState, ReducingStateDescriptor, ValueState, ValueStateDescriptor,
} from '../state/descriptors.js';
import { listState, valueState } from '../state/descriptors.js';
import { KeyedOperatorBase } from '../operators/keyed-base.js';
import type { Collector, Output, OutputTag } from '../operators/operator.js';
import type { MergingWindowAssigner, WindowAssigner, WindowAssignerContext } from './assigners.js';
import { isMergingAssigner } from './assigners.js';
import { MergingWindowSet } from './merging-window-set.js';
import type { MergeFunction } from './merging-window-set.js';
import type { OnMergeContext, Trigger } from './triggers.js';
import { EventTimeTrigger, isFire, isPurge } from './triggers.js';
import type { Window } from './window.js';

/** Keyed state reachable from a window function: per window (`windowState`) or per key (`globalState`). */
export interface KeyedStateStore {
  getState<T>(desc: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(desc: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(desc: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(desc: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(desc: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** What a `ProcessWindowFunction` sees besides the key and the elements. */
export interface ProcessWindowContext<W extends Window> {
  readonly window: W;
  readonly currentWatermark: number;
  readonly currentProcessingTime: number;
  /**
   * State of this key in this window. Get handles inside `process`/`clear` (each call scopes them to the
   * window being fired), and clear them in `clear`, which runs when the window is cleaned up.
   */
  readonly windowState: KeyedStateStore;
  /** State of this key across all windows. */
  readonly globalState: KeyedStateStore;
  /** Emits to a side output, with the window's max timestamp. */
  output<S>(tag: OutputTag<S>, value: S): void;
}

/**
 * A full-window function (Flink's `ProcessWindowFunction`): called when a window fires, with all its
 * elements, or with the single pre-aggregated result when combined with `aggregate`/`reduce`.
 * Results carry the window's max timestamp unless `collect` is given another.
 *
 * @example
 * const countPerUser: ProcessWindowFunction<Click, string, string, TimeWindow> = {
 *   process(user, ctx, clicks, out) { out.collect(`${user} ${ctx.window.start}: ${clicks.length}`); },
 * };
 */
export interface ProcessWindowFunction<IN, OUT, K extends Key, W extends Window> {
  /** `elements` belongs to the operator: read it, do not keep or change it. */
  process(key: K, context: ProcessWindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
  /** Called when the window is cleaned up: clear per-window state here. */
  clear?(context: ProcessWindowContext<W>): void;
}

/** Combines two elements of a window into one of the same type (Flink's `ReduceFunction`). */
export type ReduceFunction<T> = (a: T, b: T) => T;

/** Options every window operator takes, whatever its window function. */
export interface WindowOperatorBaseOptions<IN, W extends Window> {
  // NoInfer: the element type comes from the window function; assigners and triggers accept any element.
  assigner: WindowAssigner<NoInfer<IN>, W>;
  /** Replaces the assigner's default trigger. */
  trigger?: Trigger<NoInfer<IN>, W>;
  /**
   * How long (ms of event time) after a window's end its state is kept: an element arriving in that time
   * fires the window again with the updated result. Event-time windows only. Default 0.
   */
  allowedLateness?: number;
  /** Elements later than the allowed lateness go here (and nowhere else). Without it they are counted in `droppedLate`. */
  lateOutput?: OutputTag<IN>;
  /** Gives the key of a record when batches arrive without keys. */
  keySelector?: (value: IN) => KeyLike;
  name?: string;
}

/**
 * The window function: incremental (`aggregate` or `reduce`), full-window (`process`), or incremental
 * with a `process` function that receives the one result (and the key and window).
 */
export type WindowFunctionOptions<IN, OUT, K extends Key, W extends Window, R> =
  | { aggregate: AggregateFunction<IN, any, OUT>; reduce?: undefined; process?: undefined }
  | { reduce: ReduceFunction<IN> & ReduceFunction<OUT>; aggregate?: undefined; process?: undefined }
  | { process: ProcessWindowFunction<IN, OUT, K, W>; aggregate?: undefined; reduce?: undefined }
  | { aggregate: AggregateFunction<IN, any, R>; process: ProcessWindowFunction<R, OUT, K, W>; reduce?: undefined }
  | { reduce: ReduceFunction<IN>; process: ProcessWindowFunction<IN, OUT, K, W>; aggregate?: undefined };

export type WindowOperatorOptions<IN, OUT, K extends Key = Key, W extends Window = Window, R = any> =
  WindowOperatorBaseOptions<IN, W> & WindowFunctionOptions<IN, OUT, K, W, R>;

const CONTENTS_STATE = 'window-contents';
const TRIGGER_STATE_PREFIX = 'trigger/';

/** The window's contents in keyed state, whatever the window function. */
interface Contents<IN> {
  setNamespace(ns: Namespace): void;
  /** Adds an element; true when this created the (key, window) entry. */
  add(value: IN): boolean;
  isEmpty(): boolean;
  /** The result to emit without a process function. */
  result(): unknown;
  /** What a process function receives. */
  elements(): readonly unknown[];
  clear(): void;
  merge(target: Namespace, sources: readonly Namespace[]): void;
}

// Accumulators live in a mutable box, so adding an element costs one hash look-up (no write-back).
interface Box<T> { v: T }

/** How an incremental window function folds elements into one accumulator. */
interface Fold<IN, ACC> {
  first(value: IN): ACC;
  add(acc: ACC, value: IN): ACC;
  merge(a: ACC, b: ACC): ACC;
  result(acc: ACC): unknown;
}

/** Incremental contents (aggregate or reduce): one boxed accumulator per key and window. */
class FoldContents<IN, ACC> implements Contents<IN> {
  private readonly h;
  constructor(backend: KeyedStateBackend, private readonly fold: Fold<IN, ACC>) {
    this.h = backend.getValueState(valueState<Box<ACC>>(CONTENTS_STATE));
  }
  setNamespace(ns: Namespace): void {
    this.h.setNamespace(ns);
  }
  add(value: IN): boolean {
    const box = this.h.value();
    if (box === undefined) {
      this.h.update({ v: this.fold.first(value) });
      return true;
    }
    box.v = this.fold.add(box.v, value);
    return false;
  }
  isEmpty(): boolean {
    return this.h.value() === undefined;
  }
  result(): unknown {
    return this.fold.result(this.h.value()!.v);
  }
  elements(): readonly unknown[] {
    return [this.result()];
  }
  clear(): void {
    this.h.clear();
  }
  merge(target: Namespace, sources: readonly Namespace[]): void {
    for (const src of sources) {
      this.h.setNamespace(src);
      const box = this.h.value();
      if (box === undefined) continue;
      this.h.clear();
      this.h.setNamespace(target);
      const cur = this.h.value();
      if (cur === undefined) this.h.update(box);
      else cur.v = this.fold.merge(cur.v, box.v);
    }
    this.h.setNamespace(target);
  }
}

function aggregateFold<IN, ACC, R>(agg: AggregateFunction<IN, ACC, R>): Fold<IN, ACC> {
  return {
    first: (value) => agg.add(value, agg.createAccumulator()),
    add: (acc, value) => agg.add(value, acc),
    merge: (a, b) => agg.merge!(a, b),
    result: (acc) => agg.getResult(acc),
  };
}

function reduceFold<IN>(reduce: ReduceFunction<IN>): Fold<IN, IN> {
  return { first: (value) => value, add: reduce, merge: reduce, result: (acc) => acc };
}

class ListContents<IN> implements Contents<IN> {
  private readonly h;
  constructor(backend: KeyedStateBackend) {
    this.h = backend.getListState(listState<IN>(CONTENTS_STATE));
  }
  setNamespace(ns: Namespace): void {
    this.h.setNamespace(ns);
  }
  add(value: IN): boolean {
    const created = this.h.get().length === 0;
    this.h.add(value);
    return created;
  }
  isEmpty(): boolean {
    return this.h.get().length === 0;
  }
  result(): unknown {
    throw new WeirError('a window without aggregate or reduce has no single result', { domain: 'internal' });
  }
  elements(): readonly unknown[] {
    return this.h.get();
  }
  clear(): void {
    this.h.clear();
  }
  merge(target: Namespace, sources: readonly Namespace[]): void {
    for (const src of sources) {
      this.h.setNamespace(src);
      const vs = this.h.get();
      if (vs.length === 0) continue;
      this.h.clear();
      this.h.setNamespace(target);
      this.h.addAll(vs);
    }
    this.h.setNamespace(target);
  }
}

/**
 * What the window operator adds to the keyed snapshot: the watermark it had reached, and for merging
 * assigners per key the pairs of (window, state window) namespaces.
 */
interface WindowOperatorExtraSnapshot {
  version: 1;
  watermark: number | string;
  sets: [Key, [Namespace, Namespace][]][];
}

type AnyHandle = { setNamespace(ns: Namespace): void };

/** Hands out state handles scoped to a namespace chosen at the time of each call. */
function stateStore(getBackend: () => KeyedStateBackend, namespace: () => Namespace, prefix: string): KeyedStateStore {
  const cache = new Map<string, AnyHandle>();
  function handle<H extends AnyHandle>(kind: string, name: string, create: (b: KeyedStateBackend) => H): H {
    const id = `${kind}:${name}`;
    let h = cache.get(id) as H | undefined;
    if (h === undefined) {
      h = create(getBackend());
      cache.set(id, h);
    }
    h.setNamespace(namespace());
    return h;
  }
  const named = <D extends { name: string }>(d: D): D => (prefix === '' ? d : { ...d, name: prefix + d.name });
  return {
    getState: (d) => handle('value', d.name, (b) => b.getValueState(named(d))),
    getListState: (d) => handle('list', d.name, (b) => b.getListState(named(d))),
    getMapState: (d) => handle('map', d.name, (b) => b.getMapState(named(d))),
    getReducingState: (d) => handle('reducing', d.name, (b) => b.getReducingState(named(d))),
    getAggregatingState: (d) => handle('aggregating', d.name, (b) => b.getAggregatingState(named(d))),
  };
}

/**
 * Flink's `WindowOperator`: windows of a keyed stream made of an assigner (which windows an element
 * belongs to), a trigger (when a window fires) and a window function (what it emits).
 *
 * Event-time windows keep their state until `maxTimestamp + allowedLateness`; elements later than that
 * go to `lateOutput` (or are counted in `droppedLate`). Results carry the window's `maxTimestamp()`.
 *
 * The common case (a non-merging event-time assigner with its default trigger) runs on a fast path: with
 * `aggregate` or `reduce` no allocation per record when consecutive records share a window, one state
 * look-up per record and window, and the (key, window) timers registered once, when the window's state
 * is created. Other triggers and session windows take the general path, which calls the trigger for
 * every element as Flink does.
 *
 * @example
 * const counts = new WindowOperator<Click, number>({
 *   assigner: tumblingEventTimeWindows(60_000),
 *   allowedLateness: 5_000,
 *   lateOutput: new OutputTag<Click>('late-clicks'),
 *   aggregate: { createAccumulator: () => 0, add: (_c, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b },
 * });
 */
export class WindowOperator<IN, OUT, K extends Key = Key, W extends Window = Window, R = any> extends KeyedOperatorBase<IN, OUT> {
  readonly name: string;
  readonly assigner: WindowAssigner<IN, W>;
  readonly trigger: Trigger<IN, W>;
  readonly allowedLateness: number;
  private readonly lateTag: OutputTag<IN> | undefined;
  private readonly merging: MergingWindowAssigner<IN, W> | undefined;
  private readonly eventTime: boolean;
  private readonly fast: boolean;
  private readonly aggregateFn: AggregateFunction<IN, any, any> | undefined;
  private readonly reduceFn: ReduceFunction<IN> | undefined;
  private readonly processFn: ProcessWindowFunction<any, OUT, K, W> | undefined;
  private contents!: Contents<IN>;
  private out!: Output<OUT>;
  private dropped = 0;
  private warnedLate = false;
  private readonly mergingSets = new Map<Key, MergingWindowSet<W>>();
  private readonly assignerCtx: WindowAssignerContext;
  private readonly triggerCtx: OnMergeContext;
  private readonly processCtx: ProcessWindowContext<W>;
  private readonly collector: Collector<OUT>;
  private readonly mergeFunction: MergeFunction<W>;
  // The (key, window) the trigger context and process context currently speak for.
  private curKey: Key = null;
  private curWindow!: W;
  private curNs: Namespace = 0;
  private mergedNs: Namespace[] = [];
  private emitTs = 0;
  private restoredWatermark = Number.NEGATIVE_INFINITY;

  /** Incremental aggregation with a process function that receives the one result. */
  constructor(options: WindowOperatorBaseOptions<IN, W> & { aggregate: AggregateFunction<IN, any, R>; process: ProcessWindowFunction<R, OUT, K, W>; reduce?: undefined });
  /** Incremental aggregation: emits `getResult(accumulator)`. */
  constructor(options: WindowOperatorBaseOptions<IN, W> & { aggregate: AggregateFunction<IN, any, OUT>; process?: undefined; reduce?: undefined });
  /** Reduce with a process function that receives the one reduced element. */
  constructor(options: WindowOperatorBaseOptions<IN, W> & { reduce: ReduceFunction<IN>; process: ProcessWindowFunction<IN, OUT, K, W>; aggregate?: undefined });
  /** Reduce: emits the reduced element. */
  constructor(options: WindowOperatorBaseOptions<IN, W> & { reduce: ReduceFunction<IN> & ReduceFunction<OUT>; process?: undefined; aggregate?: undefined });
  /** Full-window function: gets all elements of the window. */
  constructor(options: WindowOperatorBaseOptions<IN, W> & { process: ProcessWindowFunction<IN, OUT, K, W>; aggregate?: undefined; reduce?: undefined });
  constructor(options: WindowOperatorOptions<IN, OUT, K, W, R>);
  constructor(options: WindowOperatorOptions<IN, OUT, K, W, R>) {
    super(options.keySelector);
    const { assigner } = options;
    this.assigner = assigner;
    this.name = options.name ?? `window(${assigner.toString?.() ?? 'assigner'})`;
    this.trigger = options.trigger ?? assigner.defaultTrigger();
    this.eventTime = assigner.isEventTime();
    this.allowedLateness = options.allowedLateness ?? 0;
    this.lateTag = options.lateOutput;
    this.merging = isMergingAssigner(assigner) ? assigner : undefined;
    this.aggregateFn = options.aggregate;
    this.reduceFn = options.reduce as ReduceFunction<IN> | undefined;
    this.processFn = options.process as ProcessWindowFunction<any, OUT, K, W> | undefined;
    this.validate();
    this.fast = this.merging === undefined && this.eventTime && this.trigger.constructor === EventTimeTrigger
      && (this.trigger as object) instanceof EventTimeTrigger;

    // One context object of each kind for the operator's life: firing a window allocates none. The
    // contexts' getters need the operator, and a getter's own `this` is the context.
    const self = this;
    this.assignerCtx = { currentProcessingTime: () => self.ctx.processingTime.now() };
    const triggerState = stateStore(() => self.backend, () => self.curNs, TRIGGER_STATE_PREFIX);
    this.triggerCtx = {
      currentWatermark: () => self.currentWatermark,
      currentProcessingTime: () => self.ctx.processingTime.now(),
      registerEventTimeTimer: (t) => self.registerEventTimer(t, self.curKey, self.curNs),
      registerProcessingTimeTimer: (t) => self.registerProcessingTimer(t, self.curKey, self.curNs),
      deleteEventTimeTimer: (t) => self.eventTimers.delete(t, self.curKey, self.curNs),
      deleteProcessingTimeTimer: (t) => self.processingTimers.delete(t, self.curKey, self.curNs),
      getValueState: (d) => triggerState.getState(d),
      getReducingState: (d) => triggerState.getReducingState(d),
      getAggregatingState: (d) => triggerState.getAggregatingState(d),
      getListState: (d) => triggerState.getListState(d),
      mergePartitionedState: (d) => self.mergeTriggerState(d),
    };
    const windowState = stateStore(() => self.backend, () => self.curNs, '');
    const globalState = stateStore(() => self.backend, () => VOID_NAMESPACE, '');
    this.processCtx = {
      get window() { return self.curWindow; },
      get currentWatermark() { return self.currentWatermark; },
      get currentProcessingTime() { return self.ctx.processingTime.now(); },
      windowState,
      globalState,
      output: (tag, value) => self.out.emitSide(tag, value, self.emitTs),
    };
    this.collector = { collect: (value, timestamp) => self.out.emit(value, timestamp ?? self.emitTs) };
    this.mergeFunction = (result, mergedWindows, stateResult, mergedStateWindows) =>
      self.onMergeWindows(result, mergedWindows, stateResult, mergedStateWindows);
  }

  private validate(): void {
    const where = { origin: this.name };
    if (this.aggregateFn && this.reduceFn) {
      throw new UserError('a window takes either aggregate or reduce, not both', { ...where, hint: 'drop one of them' });
    }
    if (!this.aggregateFn && !this.reduceFn && !this.processFn) {
      throw new UserError('a window needs a function: give aggregate, reduce or process', where);
    }
    const l = this.allowedLateness;
    if (!Number.isFinite(l) || l < 0) {
      throw new UserError(`allowedLateness must be a number of ms >= 0, got ${String(l)}`, where);
    }
    if (l > 0 && !this.eventTime) {
      throw new UserError('allowedLateness is only valid for event-time windows', {
        ...where, hint: 'drop allowedLateness or use an event-time assigner',
      });
    }
    if (this.merging) {
      if (!(this.trigger.canMerge?.() ?? false)) {
        throw new UserError(`the trigger ${this.trigger.toString?.() ?? ''} does not support merging windows`, {
          ...where, hint: 'session windows need a trigger whose canMerge() is true and that implements onMerge',
        });
      }
      if (this.aggregateFn && !this.aggregateFn.merge) {
        throw new UserError('session (merging) windows need an AggregateFunction with merge(a, b)', {
          ...where, hint: 'add merge(a, b) to the aggregate function, combining two accumulators',
        });
      }
    }
  }

  /** Records that arrived after their windows' allowed lateness while no `lateOutput` was given. */
  get droppedLate(): number {
    return this.dropped;
  }

  /** In-flight merging windows over all keys (session windows), for tests and metrics. */
  mergingWindowCount(): number {
    let n = 0;
    for (const s of this.mergingSets.values()) n += s.size;
    return n;
  }

  protected override openKeyed(): void {
    if (this.aggregateFn) this.contents = new FoldContents(this.backend, aggregateFold(this.aggregateFn));
    else if (this.reduceFn) this.contents = new FoldContents(this.backend, reduceFold(this.reduceFn));
    else this.contents = new ListContents<IN>(this.backend);
  }

  processBatch(batch: Batch<IN>, out: Output<OUT>): void {
    this.out = out;
    if (this.fast) this.processFast(batch);
    else if (this.merging) this.processMerging(batch, this.merging);
    else this.processGeneral(batch);
  }

  // The hot path: non-merging event-time windows with the default trigger. It does what
  // EventTimeTrigger.onElement and the cleanup timer would do, but registers both timers only when the
  // (key, window) entry is created: until the window fires that timer is in place anyway, and after it
  // fired a late element fires the window at once (watermarks only go up, except across a restore).
  private processFast(batch: Batch<IN>): void {
    const values = batch.values;
    const timestamps = batch.timestamps;
    const keys = batch.keys;
    const assigner = this.assigner;
    const contents = this.contents;
    const backend = this.backend;
    const timers = this.eventTimers;
    const lateness = this.allowedLateness;
    const wm = this.currentWatermark;
    // After a restore the watermark starts low again, and windows whose end timer fired before the
    // snapshot need it anew, as EventTimeTrigger registers it on every element.
    const replaying = wm < this.restoredWatermark;
    const n = values.length;
    for (let i = 0; i < n; i++) {
      const value = values[i]!;
      const ts = timestamps[i]!;
      const key = keys !== undefined ? keys[i]! : this.keyAt(batch, i);
      const windows = assigner.assignWindows(value, ts, this.assignerCtx);
      backend.setCurrentKey(key);
      let skipped = true;
      for (let j = 0; j < windows.length; j++) {
        const w = windows[j]!;
        const max = w.maxTimestamp();
        if (max + lateness <= wm) continue;
        skipped = false;
        const ns = assigner.namespaceOf(w);
        contents.setNamespace(ns);
        const created = contents.add(value);
        if (max > wm) {
          if (created || replaying) timers.register(max, key, ns);
        } else this.emitWindow(key, w, ns, ns);
        if (created && lateness > 0) timers.register(max + lateness, key, ns);
      }
      if (skipped && ts + lateness <= wm) this.onLate(value, ts);
    }
  }

  private processGeneral(batch: Batch<IN>): void {
    const { values, timestamps } = batch;
    const assigner = this.assigner;
    const contents = this.contents;
    const trigger = this.trigger;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      const ts = timestamps[i]!;
      const key = this.keyAt(batch, i);
      const windows = assigner.assignWindows(value, ts, this.assignerCtx);
      this.backend.setCurrentKey(key);
      let skipped = true;
      for (let j = 0; j < windows.length; j++) {
        const w = windows[j]!;
        if (this.isWindowLate(w)) continue;
        skipped = false;
        const ns = assigner.namespaceOf(w);
        contents.setNamespace(ns);
        contents.add(value);
        this.setCurrent(key, w, ns);
        const r = trigger.onElement(value, ts, w, this.triggerCtx);
        if (isFire(r)) this.emitWindow(key, w, ns, ns);
        if (isPurge(r)) {
          contents.setNamespace(ns);
          contents.clear();
        }
        this.registerCleanupTimer(w, key, ns);
      }
      if (skipped && this.isElementLate(ts)) this.onLate(value, ts);
    }
  }

  private processMerging(batch: Batch<IN>, merging: MergingWindowAssigner<IN, W>): void {
    const { values, timestamps } = batch;
    const contents = this.contents;
    const trigger = this.trigger;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      const ts = timestamps[i]!;
      const key = this.keyAt(batch, i);
      const windows = merging.assignWindows(value, ts, this.assignerCtx);
      this.backend.setCurrentKey(key);
      let set = this.mergingSets.get(key);
      if (set === undefined) {
        set = new MergingWindowSet(merging);
        this.mergingSets.set(key, set);
      }
      let skipped = true;
      for (let j = 0; j < windows.length; j++) {
        this.curKey = key;
        const actual = set.addWindow(windows[j]!, this.mergeFunction);
        if (this.isWindowLate(actual)) {
          set.retireWindow(actual);
          continue;
        }
        skipped = false;
        const stateWindow = set.getStateWindow(actual);
        if (stateWindow === undefined) {
          throw new WeirError(`window ${String(actual)} is not in the in-flight window set`, { domain: 'internal', origin: this.name });
        }
        const stateNs = merging.namespaceOf(stateWindow);
        const ns = merging.namespaceOf(actual);
        contents.setNamespace(stateNs);
        contents.add(value);
        this.setCurrent(key, actual, ns);
        const r = trigger.onElement(value, ts, actual, this.triggerCtx);
        if (isFire(r)) this.emitWindow(key, actual, ns, stateNs);
        if (isPurge(r)) {
          contents.setNamespace(stateNs);
          contents.clear();
        }
        this.registerCleanupTimer(actual, key, ns);
      }
      if (set.size === 0) this.mergingSets.delete(key);
      if (skipped && this.isElementLate(ts)) this.onLate(value, ts);
    }
  }

  private onMergeWindows(mergeResult: W, mergedWindows: W[], stateWindowResult: W, mergedStateWindows: W[]): void {
    const assigner = this.merging!;
    const key = this.curKey;
    if (this.eventTime && mergeResult.maxTimestamp() + this.allowedLateness <= this.currentWatermark) {
      throw new WeirError(
        `merging made the window ${String(mergeResult)} end before the current watermark ${this.currentWatermark}`,
        { domain: 'user', origin: this.name, hint: 'a merging assigner must not shrink windows' },
      );
    }
    if (!this.eventTime && mergeResult.maxTimestamp() <= this.ctx.processingTime.now()) {
      throw new WeirError(
        `merging made the window ${String(mergeResult)} end before the current processing time`,
        { domain: 'user', origin: this.name, hint: 'a merging assigner must not shrink windows' },
      );
    }
    this.mergedNs = mergedWindows.map((w) => assigner.namespaceOf(w));
    this.setCurrent(key, mergeResult, assigner.namespaceOf(mergeResult));
    this.trigger.onMerge?.(mergeResult, this.triggerCtx);
    for (const m of mergedWindows) {
      const ns = assigner.namespaceOf(m);
      this.setCurrent(key, m, ns);
      this.trigger.clear(m, this.triggerCtx);
      this.deleteCleanupTimer(m, key, ns);
    }
    this.mergedNs = [];
    this.contents.merge(assigner.namespaceOf(stateWindowResult), mergedStateWindows.map((w) => assigner.namespaceOf(w)));
  }

  protected onTimer(time: number, key: Key, ns: Namespace, kind: 'event' | 'processing', out: Output<OUT>): void {
    this.out = out;
    const window = this.assigner.windowOf(ns);
    if (this.fast) {
      if (kind !== 'event') return;
      const max = window.maxTimestamp();
      if (time === max) this.emitWindow(key, window, ns, ns);
      if (time === max + this.allowedLateness) {
        this.contents.setNamespace(ns);
        this.contents.clear();
        this.clearProcessState(key, window, ns);
      }
      return;
    }
    let stateNs = ns;
    let set: MergingWindowSet<W> | undefined;
    if (this.merging) {
      set = this.mergingSets.get(key);
      const stateWindow = set?.getStateWindow(window);
      // A timer of a window that merged away or was cleaned: its trigger left it behind, nothing to do.
      if (stateWindow === undefined) return;
      stateNs = this.merging.namespaceOf(stateWindow);
    }
    this.setCurrent(key, window, ns);
    const r = kind === 'event'
      ? this.trigger.onEventTime(time, window, this.triggerCtx)
      : this.trigger.onProcessingTime(time, window, this.triggerCtx);
    if (isFire(r)) this.emitWindow(key, window, ns, stateNs);
    if (isPurge(r)) {
      this.contents.setNamespace(stateNs);
      this.contents.clear();
    }
    if ((kind === 'event') === this.eventTime && time === this.cleanupTime(window)) {
      this.contents.setNamespace(stateNs);
      this.contents.clear();
      this.setCurrent(key, window, ns);
      this.trigger.clear(window, this.triggerCtx);
      this.clearProcessState(key, window, ns);
      if (set) {
        set.retireWindow(window);
        if (set.size === 0) this.mergingSets.delete(key);
      }
    }
  }

  private clearProcessState(key: Key, window: W, ns: Namespace): void {
    if (this.processFn?.clear === undefined) return;
    this.setCurrent(key, window, ns);
    this.processFn.clear(this.processCtx);
  }

  private setCurrent(key: Key, window: W, ns: Namespace): void {
    this.curKey = key;
    this.curWindow = window;
    this.curNs = ns;
  }

  private emitWindow(key: Key, window: W, ns: Namespace, stateNs: Namespace): void {
    const contents = this.contents;
    contents.setNamespace(stateNs);
    if (contents.isEmpty()) return;
    const ts = window.maxTimestamp();
    if (this.processFn === undefined) {
      this.out.emit(contents.result() as OUT, ts);
      return;
    }
    this.setCurrent(key, window, ns);
    this.emitTs = ts;
    this.processFn.process(key as K, this.processCtx, contents.elements(), this.collector);
  }

  private onLate(value: IN, timestamp: number): void {
    if (this.lateTag !== undefined) {
      this.out.emitSide(this.lateTag, value, timestamp);
      return;
    }
    this.dropped++;
    if (!this.warnedLate) {
      this.warnedLate = true;
      this.ctx.log('warn',
        `${this.name}: a record with timestamp ${timestamp} arrived after its windows' allowed lateness ` +
        `(${this.allowedLateness} ms, watermark ${this.currentWatermark}) and was dropped; give lateOutput to keep ` +
        'late records, or raise allowedLateness. Further drops are only counted (droppedLate).');
    }
  }

  private cleanupTime(window: W): number {
    const max = window.maxTimestamp();
    return this.eventTime ? max + this.allowedLateness : max;
  }

  private isWindowLate(window: W): boolean {
    return this.eventTime && this.cleanupTime(window) <= this.currentWatermark;
  }

  private isElementLate(timestamp: number): boolean {
    return this.eventTime && timestamp + this.allowedLateness <= this.currentWatermark;
  }

  private registerCleanupTimer(window: W, key: Key, ns: Namespace): void {
    const t = this.cleanupTime(window);
    if (t === Number.POSITIVE_INFINITY) return;
    if (this.eventTime) this.registerEventTimer(t, key, ns);
    else this.registerProcessingTimer(t, key, ns);
  }

  private deleteCleanupTimer(window: W, key: Key, ns: Namespace): void {
    const t = this.cleanupTime(window);
    if (t === Number.POSITIVE_INFINITY) return;
    if (this.eventTime) this.eventTimers.delete(t, key, ns);
    else this.processingTimers.delete(t, key, ns);
  }

  private mergeTriggerState(
    desc: ReducingStateDescriptor<any> | AggregatingStateDescriptor<any, any, any> | ListStateDescriptor<any>,
  ): void {
    const target = this.curNs;
    const name = TRIGGER_STATE_PREFIX + desc.name;
    const b = this.backend;
    if (desc.kind === 'reducing') {
      const h = b.getReducingState({ ...desc, name });
      for (const src of this.mergedNs) {
        if (src === target) continue;
        h.setNamespace(src);
        const v = h.get();
        if (v === undefined) continue;
        h.clear();
        h.setNamespace(target);
        h.add(v);
      }
    } else if (desc.kind === 'aggregating') {
      const h = b.getAggregatingState({ ...desc, name });
      const merge = desc.aggregate.merge;
      if (!merge) {
        throw new UserError(`trigger state "${desc.name}" cannot merge: its AggregateFunction has no merge(a, b)`, { origin: this.name });
      }
      for (const src of this.mergedNs) {
        if (src === target) continue;
        h.setNamespace(src);
        const acc = h.getAccumulator();
        if (acc === undefined) continue;
        h.clear();
        h.setNamespace(target);
        const cur = h.getAccumulator();
        h.setAccumulator(cur === undefined ? acc : merge(cur, acc));
      }
    } else {
      const h = b.getListState({ ...desc, name });
      for (const src of this.mergedNs) {
        if (src === target) continue;
        h.setNamespace(src);
        const vs = h.get();
        if (vs.length === 0) continue;
        h.clear();
        h.setNamespace(target);
        h.addAll(vs);
      }
    }
  }

  protected override snapshotExtra(): unknown {
    const wm = this.currentWatermark;
    const snapshot: WindowOperatorExtraSnapshot = {
      version: 1,
      // As text when infinite, so the snapshot survives JSON.
      watermark: Number.isFinite(wm) ? wm : String(wm),
      sets: [],
    };
    if (this.merging) {
      const assigner = this.merging;
      for (const [key, set] of this.mergingSets) {
        snapshot.sets.push([key, set.entries().map(([w, st]) => [assigner.namespaceOf(w), assigner.namespaceOf(st)])]);
      }
    }
    return snapshot;
  }

  protected override restoreExtra(extra: unknown): void {
    if (extra === undefined || extra === null) return;
    const s = extra as WindowOperatorExtraSnapshot;
    if (s.version !== 1) {
      throw new WeirError(`window operator snapshot version ${String(s.version)} is not readable by this weir`, {
        domain: 'user', origin: this.name, hint: 'restore with the weir version that wrote it, or start without state',
      });
    }
    // Several snapshots may be restored into one subtask after rescaling: replay until the latest.
    this.restoredWatermark = Math.max(this.restoredWatermark, Number(s.watermark));
    if (s.sets.length === 0) return;
    const assigner = this.merging;
    if (!assigner) {
      throw new WeirError('the snapshot holds merging (session) windows but this window operator does not merge', {
        domain: 'user', origin: this.name, hint: 'restore with the same window assigner the job was written with',
      });
    }
    const { subtaskIndex, parallelism, maxParallelism } = this.ctx;
    for (const [key, pairs] of s.sets) {
      const kg = keyGroupOf(key, maxParallelism);
      if (Math.floor((kg * parallelism) / maxParallelism) !== subtaskIndex) continue;
      const entries = pairs.map(([w, st]) => [assigner.windowOf(w), assigner.windowOf(st)] as [W, W]);
      this.mergingSets.set(key, new MergingWindowSet(assigner, entries));
    }
  }
}
