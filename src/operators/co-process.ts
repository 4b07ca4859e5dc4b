import type { Batch } from '../core/batch.js';
import type { Key, KeyLike } from '../core/keys.js';
import type { Namespace } from '../state/heap-backend.js';
import { KeyedCore } from './keyed-base.js';
import type { KeyedProcessContext, KeyedRuntimeContext, OnTimerContext, TimerService } from './keyed-process.js';
import type { Collector, Output, TwoInputStreamOperator } from './operator.js';

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
export abstract class KeyedTwoInputBase<IN1, IN2, OUT> extends KeyedCore<OUT> implements TwoInputStreamOperator<IN1, IN2, OUT> {
  protected override readonly notKeyed = { message: 'needs two keyed inputs', hint: 'keyBy both streams before connecting them' };

  constructor(
    protected readonly key1?: (v: IN1) => KeyLike,
    protected readonly key2?: (v: IN2) => KeyLike,
  ) {
    super();
  }

  abstract processBatch1(batch: Batch<IN1>, out: Output<OUT>): void;
  abstract processBatch2(batch: Batch<IN2>, out: Output<OUT>): void;
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
