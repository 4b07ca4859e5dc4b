import type { Batch } from '../core/batch.js';
import type { Collector, Output, OutputTag, StreamOperator } from './operator.js';

export interface ProcessContext {
  readonly timestamp: number;
  currentWatermark(): number;
  output<S>(tag: OutputTag<S>, value: S): void;
}

/** Flink's `ProcessFunction` on a non-keyed stream: per-record logic with side outputs, no keyed state. */
export interface ProcessFunction<IN, OUT> {
  open?(ctx: { subtaskIndex: number; parallelism: number }): void;
  processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void;
  close?(): void;
  [extra: string]: any;
}

export class ProcessOperator<IN, OUT> implements StreamOperator<IN, OUT> {
  private out!: Output<OUT>;
  private ts = 0;
  private wm = Number.NEGATIVE_INFINITY;
  private readonly collector: Collector<OUT>;
  private readonly context: ProcessContext;

  constructor(private readonly fn: ProcessFunction<IN, OUT>, readonly name = 'process') {
    this.collector = { collect: (v, t) => this.out.emit(v, t ?? this.ts) };
    const self = this;
    this.context = {
      get timestamp() { return self.ts; },
      currentWatermark: () => self.wm,
      output: (tag, value) => self.out.emitSide(tag, value, self.ts),
    };
  }

  open(ctx: { subtaskIndex: number; parallelism: number }): void {
    this.fn.open?.({ subtaskIndex: ctx.subtaskIndex, parallelism: ctx.parallelism });
  }

  processBatch(batch: Batch<IN>, out: Output<OUT>): void {
    this.out = out;
    for (let i = 0; i < batch.values.length; i++) {
      this.ts = batch.timestamps[i]!;
      this.fn.processElement(batch.values[i]!, this.context, this.collector);
    }
  }

  onWatermark(wm: number): void {
    this.wm = wm;
  }

  close(): void {
    this.fn.close?.();
  }
}
