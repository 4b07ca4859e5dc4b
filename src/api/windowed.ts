import type { Key, KeyLike } from '../core/keys.js';
import type { AggregateFunction } from '../state/descriptors.js';
import type { OutputTag } from '../operators/operator.js';
import { WindowOperator } from '../windows/window-operator.js';
import type { ProcessWindowFunction, ReduceFunction, WindowOperatorOptions } from '../windows/window-operator.js';
import type { WindowAssigner } from '../windows/assigners.js';
import type { Trigger } from '../windows/triggers.js';
import type { Window } from '../windows/window.js';
import type { DataStream } from './datastream.js';

/**
 * A keyed stream cut into windows: assigner + trigger + window function, as in Flink.
 *
 * @example
 * clicks.keyBy((c) => c.user)
 *   .window(tumblingEventTimeWindows(60_000))
 *   .allowedLateness(5_000)
 *   .sideOutputLateData(late)
 *   .aggregate(countAggregate);
 */
export class WindowedStream<T, K extends KeyLike, W extends Window> {
  private triggerOverride: Trigger<T, W> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;

  constructor(
    private readonly input: DataStream<T>,
    private readonly key: (value: T) => K,
    private readonly assigner: WindowAssigner<T, W>,
    private readonly global = false,
  ) {}

  trigger(trigger: Trigger<T, W>): this {
    this.triggerOverride = trigger;
    return this;
  }

  /** Keeps window state this long (ms) after the window ends; late elements in that time re-fire it. */
  allowedLateness(ms: number): this {
    this.lateness = ms;
    return this;
  }

  /** Elements later than the allowed lateness go to this side output. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag;
    return this;
  }

  /** Incremental aggregation; with `process`, the single result goes to a window function with key and window. */
  aggregate<ACC, R>(agg: AggregateFunction<T, ACC, R>): DataStream<R>;
  aggregate<ACC, R, OUT>(agg: AggregateFunction<T, ACC, R>, process: ProcessWindowFunction<R, OUT, Extract<K, Key>, W>): DataStream<OUT>;
  aggregate<ACC, R, OUT>(agg: AggregateFunction<T, ACC, R>, process?: ProcessWindowFunction<R, OUT, Extract<K, Key>, W>): DataStream<OUT | R> {
    return this.build(process ? { aggregate: agg, process } : { aggregate: agg }, 'window-aggregate');
  }

  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce<OUT>(fn: ReduceFunction<T>, process: ProcessWindowFunction<T, OUT, Extract<K, Key>, W>): DataStream<OUT>;
  reduce<OUT>(fn: ReduceFunction<T>, process?: ProcessWindowFunction<T, OUT, Extract<K, Key>, W>): DataStream<OUT | T> {
    return this.build(process ? { reduce: fn, process } : { reduce: fn as ReduceFunction<T & OUT> }, 'window-reduce');
  }

  /** A full-window function: all elements of the window at once. */
  process<OUT>(fn: ProcessWindowFunction<T, OUT, Extract<K, Key>, W>): DataStream<OUT> {
    return this.build({ process: fn }, 'window-process');
  }

  private build<OUT>(fn: object, name: string): DataStream<OUT> {
    const { assigner, lateness, lateTag, triggerOverride, key } = this;
    const create = () => new WindowOperator<T, OUT, Extract<K, Key>, W>({
      assigner, allowedLateness: lateness, keySelector: key, name,
      ...(triggerOverride ? { trigger: triggerOverride } : {}),
      ...(lateTag ? { lateOutput: lateTag } : {}),
      ...fn,
    } as unknown as WindowOperatorOptions<T, OUT, Extract<K, Key>, W>);
    return this.input.transform(name, create, {
      partitioning: this.global ? { kind: 'global' } : { kind: 'hash', key },
      keyed: true,
      ...(this.global ? { parallelism: 1 } : {}),
    });
  }
}
