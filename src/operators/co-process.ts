import type { Batch } from '../core/batch.js';
import type { Key, KeyLike } from '../core/keys.js';
import { keyGroupOf, normalizeKey } from '../core/keys.js';
import { MIN_WATERMARK } from '../core/time.js';
import { WeirError } from '../core/errors.js';
import type { KeyedStateBackend } from '../state/heap-backend.js';
import type { Namespace } from '../state/heap-backend.js';
import { TimerQueue } from '../state/timers.js';
import type { KeyedOperatorSnapshot } from './keyed-base.js';
import type { KeyedProcessContext, KeyedRuntimeContext, OnTimerContext, TimerService } from './keyed-process.js';
import type { Collector, OperatorContext, Output, TwoInputStreamOperator } from './operator.js';

/** Flink's `KeyedCoProcessFunction`: two keyed inputs sharing keyed state and timers. */
export interface KeyedCoProcessFunction<K, IN1, IN2, OUT> {
  open?(ctx: KeyedRuntimeContext): void;
  processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void;
  [extra: string]: any;
}

/**
 * The base of keyed two-input operators: one keyed state backend and timer queues shared by both
 * inputs, snapshot as one.
 */
export abstract class KeyedTwoInputBase<IN1, IN2, OUT> implements TwoInputStreamOperator<IN1, IN2, OUT> {
  abstract readonly name: string;
  protected ctx!: OperatorContext;
  protected backend!: KeyedStateBackend;
  protected readonly eventTimers = new TimerQueue();
  protected readonly processingTimers = new TimerQueue();
  protected currentWatermark = MIN_WATERMARK;
  private pendingRestore: KeyedOperatorSnapshot | undefined;

  constructor(
    protected readonly key1?: (v: IN1) => KeyLike,
    protected readonly key2?: (v: IN2) => KeyLike,
  ) {}

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    if (!ctx.keyedState) {
      throw new WeirError(`${this.name} needs two keyed inputs`, { domain: 'user', origin: this.name, hint: 'keyBy both streams before connecting them' });
    }
    this.backend = ctx.keyedState;
    if (this.pendingRestore) {
      this.applyRestore(this.pendingRestore);
      this.pendingRestore = undefined;
    }
    this.openKeyed();
  }

  protected openKeyed(): void {}

  protected keyOf<T>(batch: Batch<T>, i: number, sel: ((v: T) => KeyLike) | undefined): Key {
    if (batch.keys) return batch.keys[i]!;
    if (!sel) throw new WeirError(`${this.name} received a batch without keys`, { domain: 'internal' });
    return normalizeKey(sel(batch.values[i]!));
  }

  abstract processBatch1(batch: Batch<IN1>, out: Output<OUT>): void;
  abstract processBatch2(batch: Batch<IN2>, out: Output<OUT>): void;
  protected abstract onTimer(time: number, key: Key, ns: Namespace, kind: 'event' | 'processing', out: Output<OUT>): void;

  onWatermark(wm: number, out: Output<OUT>): void {
    if (wm <= this.currentWatermark) return;
    this.currentWatermark = wm;
    this.eventTimers.advance(wm, (t, key, ns) => {
      this.backend.setCurrentKey(key);
      this.onTimer(t, key, ns, 'event', out);
    });
  }

  onProcessingTime(now: number, out: Output<OUT>): void {
    this.processingTimers.advance(now, (t, key, ns) => {
      this.backend.setCurrentKey(key);
      this.onTimer(t, key, ns, 'processing', out);
    });
    const next = this.processingTimers.peekTime();
    if (next !== Number.POSITIVE_INFINITY) this.ctx.processingTime.scheduleAt(next);
  }

  protected registerProcessingTimer(t: number, key: Key, ns: Namespace = ''): void {
    const before = this.processingTimers.peekTime();
    this.processingTimers.register(t, key, ns);
    if (t < before) this.ctx.processingTime.scheduleAt(t);
  }

  timerCounts(): { event: number; processing: number } {
    return { event: this.eventTimers.size, processing: this.processingTimers.size };
  }

  snapshotState(): KeyedOperatorSnapshot {
    return {
      version: 1, state: this.backend.snapshot(), eventTimers: this.eventTimers.snapshot(),
      processingTimers: this.processingTimers.snapshot(), watermark: this.currentWatermark,
    };
  }

  restoreState(s: unknown): void {
    // State may arrive before open(): keep it until the backend exists.
    if (this.backend) this.applyRestore(s as KeyedOperatorSnapshot);
    else this.pendingRestore = s as KeyedOperatorSnapshot;
  }

  private applyRestore(snap: KeyedOperatorSnapshot): void {
    const { subtaskIndex, parallelism, maxParallelism } = this.ctx;
    const owns = (kg: number) => Math.floor((kg * parallelism) / maxParallelism) === subtaskIndex;
    this.backend.restore(snap.state, owns);
    const keep = (k: Key) => owns(keyGroupOf(k, maxParallelism));
    this.eventTimers.restore(snap.eventTimers, keep);
    this.processingTimers.restore(snap.processingTimers, keep);
    if (typeof snap.watermark === 'number') this.currentWatermark = snap.watermark;
  }
}

export class KeyedCoProcessOperator<K extends Key, IN1, IN2, OUT> extends KeyedTwoInputBase<IN1, IN2, OUT> {
  private out!: Output<OUT>;
  private ts = 0;
  private key: Key = null;
  private domain: 'event' | 'processing' = 'event';
  private readonly collector: Collector<OUT>;
  private readonly context: OnTimerContext<K>;

  constructor(
    private readonly fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>,
    key1?: (v: IN1) => KeyLike,
    key2?: (v: IN2) => KeyLike,
    readonly name = 'co-process',
  ) {
    super(key1, key2);
    this.collector = { collect: (v, t) => this.out.emit(v, t ?? this.ts) };
    const self = this;
    const timerService: TimerService = {
      currentWatermark: () => self.currentWatermark,
      currentProcessingTime: () => self.ctx.processingTime.now(),
      registerEventTimeTimer: (t) => self.eventTimers.register(t, self.key, ''),
      registerProcessingTimeTimer: (t) => self.registerProcessingTimer(t, self.key),
      deleteEventTimeTimer: (t) => self.eventTimers.delete(t, self.key, ''),
      deleteProcessingTimeTimer: (t) => self.processingTimers.delete(t, self.key, ''),
    };
    this.context = {
      get timestamp() { return self.ts; },
      get currentKey() { return self.key as K; },
      get timeDomain() { return self.domain; },
      timerService,
      output: (tag, value) => self.out.emitSide(tag, value, self.ts),
    };
  }

  protected override openKeyed(): void {
    const b = this.backend;
    this.fn.open?.({
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      getState: (d) => b.getValueState(d),
      getListState: (d) => b.getListState(d),
      getMapState: (d) => b.getMapState(d),
      getReducingState: (d) => b.getReducingState(d),
      getAggregatingState: (d) => b.getAggregatingState(d),
    });
  }

  processBatch1(batch: Batch<IN1>, out: Output<OUT>): void {
    this.out = out;
    this.domain = 'event';
    for (let i = 0; i < batch.values.length; i++) {
      this.key = this.keyOf(batch, i, this.key1);
      this.backend.setCurrentKey(this.key);
      this.ts = batch.timestamps[i]!;
      this.fn.processElement1(batch.values[i]!, this.context, this.collector);
    }
  }

  processBatch2(batch: Batch<IN2>, out: Output<OUT>): void {
    this.out = out;
    this.domain = 'event';
    for (let i = 0; i < batch.values.length; i++) {
      this.key = this.keyOf(batch, i, this.key2);
      this.backend.setCurrentKey(this.key);
      this.ts = batch.timestamps[i]!;
      this.fn.processElement2(batch.values[i]!, this.context, this.collector);
    }
  }

  protected onTimer(time: number, key: Key, _ns: Namespace, kind: 'event' | 'processing', out: Output<OUT>): void {
    if (!this.fn.onTimer) return;
    this.out = out;
    this.key = key;
    this.ts = time;
    this.domain = kind;
    this.fn.onTimer(time, this.context, this.collector);
  }

  close(): void {
    this.fn.close?.();
  }
}
