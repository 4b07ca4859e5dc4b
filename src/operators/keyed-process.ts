import type { Batch } from '../core/batch.js';
import type { Key, KeyLike } from '../core/keys.js';
import type { Namespace } from '../state/heap-backend.js';
import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, ValueState, ValueStateDescriptor,
} from '../state/descriptors.js';
import { KeyedOperatorBase } from './keyed-base.js';
import type { Collector, Output, OutputTag } from './operator.js';

/** What a keyed function sees when it opens: its state, by descriptor. */
export interface KeyedRuntimeContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  getState<T>(desc: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(desc: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(desc: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(desc: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(desc: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

export interface TimerService {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

export interface KeyedProcessContext<K> {
  /** Event time of the current record, or of the timer that fired. */
  readonly timestamp: number;
  readonly currentKey: K;
  readonly timerService: TimerService;
  output<S>(tag: OutputTag<S>, value: S): void;
}

export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  readonly timeDomain: 'event' | 'processing';
}

/**
 * Flink's `KeyedProcessFunction`: per-record logic with keyed state and timers.
 *
 * @example
 * const countPerKey: KeyedProcessFunction<string, Click, [string, number]> = {
 *   open(rt) { this.count = rt.getState(valueState<number>('count')); },
 *   processElement(click, ctx, out) {
 *     const n = (this.count.value() ?? 0) + 1;
 *     this.count.update(n);
 *     out.collect([ctx.currentKey, n]);
 *   },
 * };
 */
export interface KeyedProcessFunction<K, IN, OUT> {
  open?(ctx: KeyedRuntimeContext): void;
  processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void;
  [extra: string]: any;
}

/** Runs a `KeyedProcessFunction` for every record of a keyed stream. */
export class KeyedProcessOperator<K extends Key, IN, OUT> extends KeyedOperatorBase<IN, OUT> {
  readonly name: string;
  private out!: Output<OUT>;
  private ts = 0;
  private key: Key = null;
  private domain: 'event' | 'processing' = 'event';
  private readonly collector: Collector<OUT>;
  private readonly context: OnTimerContext<K>;

  constructor(private readonly fn: KeyedProcessFunction<K, IN, OUT>, keySelector?: (v: IN) => KeyLike, name = 'process') {
    super(keySelector);
    this.name = name;
    // One collector and one context for the operator's life: records reuse them instead of allocating.
    this.collector = { collect: (value, timestamp) => this.out.emit(value, timestamp ?? this.ts) };
    const self = this;
    const timerService: TimerService = {
      currentWatermark: () => self.currentWatermark,
      currentProcessingTime: () => self.ctx.processingTime.now(),
      registerEventTimeTimer: (t) => self.registerEventTimer(t, self.key),
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

  processBatch(batch: Batch<IN>, out: Output<OUT>): void {
    this.out = out;
    this.domain = 'event';
    const values = batch.values;
    const timestamps = batch.timestamps;
    for (let i = 0; i < values.length; i++) {
      this.key = this.keyAt(batch, i);
      this.backend.setCurrentKey(this.key);
      this.ts = timestamps[i]!;
      this.fn.processElement(values[i]!, this.context, this.collector);
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
