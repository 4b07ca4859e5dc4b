import type { Batch } from '../../core/batch.js';
import type { KeyLike } from '../../core/keys.js';
import { DEFAULT_MAX_PARALLELISM, normalizeKey } from '../../core/keys.js';
import { MAX_WATERMARK, NO_TIMESTAMP } from '../../core/time.js';
import { HeapKeyedStateBackend } from '../../state/heap-backend.js';
import type { OperatorContext, OutputTag, ProcessingTimeService, StreamOperator, TwoInputStreamOperator } from '../operator.js';
import { OutputBuffer } from '../output-buffer.js';

export interface Emitted<T> {
  value: T;
  timestamp: number;
}

export interface HarnessOptions<IN> {
  /** Makes the operator keyed: batches carry the keys this selector gives, as after a keyBy exchange. */
  keySelector?: (value: IN) => KeyLike;
  maxParallelism?: number;
  parallelism?: number;
  subtaskIndex?: number;
  /** Start of the virtual processing-time clock (ms). */
  processingTime?: number;
}

/**
 * Drives one operator by hand, as Flink's operator test harnesses do: push records and watermarks, move a
 * virtual processing-time clock, and read the output, side outputs, state size and timer counts.
 *
 * @example
 * const h = new OperatorHarness(new WindowOperator(...), { keySelector: (r) => r.user });
 * await h.open();
 * h.processElement({ user: 'a' }, 1000);
 * h.processWatermark(10_000);
 * assert.deepEqual(h.takeOutput().map((e) => e.value), [...]);
 */
export class OperatorHarness<IN, OUT> {
  readonly output: Emitted<OUT>[] = [];
  readonly sideOutputs = new Map<string, Emitted<unknown>[]>();
  readonly watermarks: number[] = [];
  readonly backend: HeapKeyedStateBackend | undefined;
  readonly logs: string[] = [];
  private now: number;
  private scheduled: number[] = [];
  private readonly out: OutputBuffer<OUT>;
  private readonly ctx: OperatorContext;

  constructor(readonly operator: StreamOperator<IN, OUT>, private readonly options: HarnessOptions<IN> = {}) {
    this.now = options.processingTime ?? 0;
    const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.backend = options.keySelector ? new HeapKeyedStateBackend(maxParallelism, () => this.now) : undefined;
    this.out = new OutputBuffer<OUT>(
      (b) => { for (let i = 0; i < b.values.length; i++) this.output.push({ value: b.values[i]!, timestamp: b.timestamps[i]! }); },
      (tag, value, timestamp) => {
        let list = this.sideOutputs.get(tag);
        if (!list) this.sideOutputs.set(tag, (list = []));
        list.push({ value, timestamp });
      },
    );
    const time: ProcessingTimeService = { now: () => this.now, scheduleAt: (t) => { this.scheduled.push(t); } };
    this.ctx = {
      operatorName: operator.name,
      subtaskIndex: options.subtaskIndex ?? 0,
      parallelism: options.parallelism ?? 1,
      maxParallelism,
      processingTime: time,
      keyedState: this.backend,
      log: (level, message) => { this.logs.push(`${level}: ${message}`); },
    };
  }

  async open(): Promise<void> {
    await this.operator.open?.(this.ctx);
  }

  processElement(value: IN, timestamp: number = NO_TIMESTAMP): void {
    this.processBatch({ values: [value], timestamps: [timestamp] });
  }

  processElements(records: [IN, number][]): void {
    this.processBatch({ values: records.map((r) => r[0]), timestamps: records.map((r) => r[1]) });
  }

  processBatch(batch: Batch<IN>): void {
    const sel = this.options.keySelector;
    const keyed = sel && !batch.keys ? { ...batch, keys: batch.values.map((v) => normalizeKey(sel(v))) } : batch;
    const r = this.operator.processBatch(keyed, this.out);
    if (r) this.pending = this.pending.then(() => r).then(() => this.out.flush());
    else this.out.flush();
  }

  /** Waits for asynchronous batches (operators whose `processBatch` returned a promise). */
  async settled(): Promise<void> {
    await this.pending;
  }

  private pending: Promise<void> = Promise.resolve();

  processWatermark(watermark: number): void {
    this.operator.onWatermark?.(watermark, this.out);
    this.out.flush();
    this.watermarks.push(watermark);
  }

  /** Moves the virtual clock and fires what was scheduled up to it. */
  setProcessingTime(time: number): void {
    this.now = time;
    const due = this.scheduled.filter((t) => t <= time);
    if (due.length === 0) return;
    this.scheduled = this.scheduled.filter((t) => t > time);
    this.operator.onProcessingTime?.(time, this.out);
    this.out.flush();
  }

  /** Ends the input as a bounded source does: the final watermark, then `endInput`. */
  endInput(): void {
    this.processWatermark(MAX_WATERMARK);
    this.operator.endInput?.(this.out);
    this.out.flush();
  }

  /** The output so far, which is then cleared. */
  takeOutput(): Emitted<OUT>[] {
    return this.output.splice(0, this.output.length);
  }

  side<S>(tag: OutputTag<S>): Emitted<S>[] {
    return (this.sideOutputs.get(tag.id) ?? []) as Emitted<S>[];
  }

  /** Entries in keyed state (all states, all namespaces). */
  stateSize(stateName?: string): number {
    return this.backend?.size(stateName) ?? 0;
  }

  timerCounts(): { event: number; processing: number } {
    const op = this.operator as unknown as { timerCounts?: () => { event: number; processing: number } };
    return op.timerCounts ? op.timerCounts() : { event: 0, processing: 0 };
  }

  snapshot(): unknown {
    return structuredClone(this.operator.snapshotState?.());
  }

  async close(): Promise<void> {
    await this.operator.close?.();
  }
}

/** The same for two-input operators: records go to input 1 or 2; the watermark is the minimum of both. */
export class TwoInputHarness<IN1, IN2, OUT> {
  readonly output: Emitted<OUT>[] = [];
  readonly sideOutputs = new Map<string, Emitted<unknown>[]>();
  readonly backend: HeapKeyedStateBackend | undefined;
  private wm1 = Number.NEGATIVE_INFINITY;
  private wm2 = Number.NEGATIVE_INFINITY;
  private combined = Number.NEGATIVE_INFINITY;
  private now: number;
  private readonly out: OutputBuffer<OUT>;
  private readonly ctx: OperatorContext;

  constructor(
    readonly operator: TwoInputStreamOperator<IN1, IN2, OUT>,
    private readonly keys: { key1?: (v: IN1) => KeyLike; key2?: (v: IN2) => KeyLike; processingTime?: number } = {},
  ) {
    this.now = keys.processingTime ?? 0;
    this.backend = keys.key1 ? new HeapKeyedStateBackend(DEFAULT_MAX_PARALLELISM, () => this.now) : undefined;
    this.out = new OutputBuffer<OUT>(
      (b) => { for (let i = 0; i < b.values.length; i++) this.output.push({ value: b.values[i]!, timestamp: b.timestamps[i]! }); },
      (tag, value, timestamp) => {
        let list = this.sideOutputs.get(tag);
        if (!list) this.sideOutputs.set(tag, (list = []));
        list.push({ value, timestamp });
      },
    );
    this.ctx = {
      operatorName: operator.name, subtaskIndex: 0, parallelism: 1, maxParallelism: DEFAULT_MAX_PARALLELISM,
      processingTime: { now: () => this.now, scheduleAt: () => {} },
      keyedState: this.backend,
      log: () => {},
    };
  }

  async open(): Promise<void> {
    await this.operator.open?.(this.ctx);
  }

  processElement1(value: IN1, timestamp: number): void {
    const k = this.keys.key1;
    this.operator.processBatch1({ values: [value], timestamps: [timestamp], keys: k ? [normalizeKey(k(value))] : undefined }, this.out);
    this.out.flush();
  }

  processElement2(value: IN2, timestamp: number): void {
    const k = this.keys.key2;
    this.operator.processBatch2({ values: [value], timestamps: [timestamp], keys: k ? [normalizeKey(k(value))] : undefined }, this.out);
    this.out.flush();
  }

  processWatermark1(wm: number): void { this.wm1 = wm; this.advance(); }
  processWatermark2(wm: number): void { this.wm2 = wm; this.advance(); }

  setProcessingTime(time: number): void {
    this.now = time;
    this.operator.onProcessingTime?.(time, this.out);
    this.out.flush();
  }

  takeOutput(): Emitted<OUT>[] {
    return this.output.splice(0, this.output.length);
  }

  side<S>(tag: OutputTag<S>): Emitted<S>[] {
    return (this.sideOutputs.get(tag.id) ?? []) as Emitted<S>[];
  }

  stateSize(): number {
    return this.backend?.size() ?? 0;
  }

  private advance(): void {
    const wm = Math.min(this.wm1, this.wm2);
    if (wm <= this.combined) return;
    this.combined = wm;
    this.operator.onWatermark?.(wm, this.out);
    this.out.flush();
  }
}
