import type { Batch } from '../core/batch.js';
import type { KeyedStateBackend } from '../state/heap-backend.js';

/** Names a side output; records emitted to it travel apart from the main output. */
export class OutputTag<T> {
  declare readonly __type: T;
  constructor(readonly id: string) {}
}

/** Where an operator sends what it produces. The runtime hands the buffered records on as one batch. */
export interface Output<T> {
  /** Emits one record with its event time (`NO_TIMESTAMP` when it has none). */
  emit(value: T, timestamp: number): void;
  /** Emits a whole batch; the batch now belongs to the runtime and must not be changed. */
  emitBatch(batch: Batch<T>): void;
  /** Emits one record to a side output. */
  emitSide<S>(tag: OutputTag<S>, value: S, timestamp: number): void;
  /**
   * Emits a watermark of the operator's own. Only operators with `generatesWatermarks` may call it; the
   * runtime then stops forwarding their input watermarks (except the final one at end of input).
   */
  emitWatermark(watermark: number): void;
}

/** The runtime's processing-time clock, virtual in the test harness. */
export interface ProcessingTimeService {
  now(): number;
  /** Asks the runtime to call the operator's `onProcessingTime` once `time` has been reached. */
  scheduleAt(time: number): void;
}

export interface OperatorContext {
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly processingTime: ProcessingTimeService;
  /** Keyed state of this operator; present when the operator runs on a keyed stream. */
  readonly keyedState: KeyedStateBackend | undefined;
  /** Log through the runtime so lines carry the operator and subtask. */
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/**
 * A one-input stream operator. Only `processBatch` is required; the hooks have defaults (a watermark is
 * forwarded downstream after `onWatermark` returns).
 *
 * The runtime never calls an operator concurrently: `processBatch`, `onWatermark`, `onProcessingTime`,
 * `snapshotState` and `close` of one operator instance run one after another on one thread, so an
 * operator needs no locks. They are synchronous on purpose: a batch goes through a chain of operators
 * in one loop, without awaiting.
 */
export interface StreamOperator<IN, OUT> {
  readonly name: string;
  /** True for operators that assign timestamps and watermarks themselves. */
  readonly generatesWatermarks?: boolean;
  open?(ctx: OperatorContext): void | Promise<void>;
  /**
   * Processes a batch. An operator that must wait (a model server, a lookup) may return a promise: the
   * runtime then holds every later batch, watermark and barrier of this operator until it settles, and
   * emits what the operator produced in the meantime.
   */
  processBatch(batch: Batch<IN>, out: Output<OUT>): void | Promise<void>;
  /** Called when the operator's input watermark advances; may emit (e.g. fire windows). */
  onWatermark?(watermark: number, out: Output<OUT>): void;
  /** Called once a time asked for with `ProcessingTimeService.scheduleAt` has been reached. */
  onProcessingTime?(now: number, out: Output<OUT>): void;
  /** Called once when all input has ended, after the final watermark. */
  endInput?(out: Output<OUT>): void;
  /** A serialisable picture of the operator's state for a checkpoint. */
  snapshotState?(): unknown;
  restoreState?(state: unknown): void;
  close?(): void | Promise<void>;
}

/** An operator with two inputs (connected streams, joins). Its watermark is the minimum of both inputs'. */
export interface TwoInputStreamOperator<IN1, IN2, OUT> {
  readonly name: string;
  open?(ctx: OperatorContext): void | Promise<void>;
  processBatch1(batch: Batch<IN1>, out: Output<OUT>): void | Promise<void>;
  processBatch2(batch: Batch<IN2>, out: Output<OUT>): void | Promise<void>;
  onWatermark?(watermark: number, out: Output<OUT>): void;
  onProcessingTime?(now: number, out: Output<OUT>): void;
  endInput?(out: Output<OUT>): void;
  snapshotState?(): unknown;
  restoreState?(state: unknown): void;
  close?(): void | Promise<void>;
}

/** Collects records emitted by user functions; the timestamp defaults to that of the current input record. */
export interface Collector<T> {
  collect(value: T, timestamp?: number): void;
}
