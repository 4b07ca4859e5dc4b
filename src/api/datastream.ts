import type { KeyLike } from '../core/keys.js';
import { UserError } from '../core/errors.js';
import { mapOperator, filterOperator, flatMapOperator } from '../operators/simple.js';
import { KeyedProcessOperator } from '../operators/keyed-process.js';
import type { KeyedProcessFunction } from '../operators/keyed-process.js';
import { ProcessOperator } from '../operators/process.js';
import type { ProcessFunction } from '../operators/process.js';
import { KeyedCoProcessOperator } from '../operators/co-process.js';
import type { KeyedCoProcessFunction } from '../operators/co-process.js';
import { IntervalJoinOperator } from '../operators/interval-join.js';
import type { ProcessJoinContext } from '../operators/interval-join.js';
import type { Collector, OutputTag, StreamOperator } from '../operators/operator.js';
import { timestampsAndWatermarksOperator } from '../operators/timestamps.js';
import { asyncBatchMapOperator, asyncMapOperator } from '../operators/async.js';
import type { AsyncMapOptions } from '../operators/async.js';
import type { Edge, Partitioning } from '../runtime/graph.js';
import type { Sink } from '../runtime/sink.js';
import { CollectSink, printSink } from '../runtime/sink.js';
import type { WatermarkStrategy } from '../runtime/watermarks.js';
import type { ValueState } from '../state/descriptors.js';
import type { StreamExecutionEnvironment } from './environment.js';
import { WindowedStream } from './windowed.js';
import type { WindowAssigner } from '../windows/assigners.js';
import type { Window } from '../windows/window.js';

/**
 * A stream of records of type T, built lazily: each call adds an operator to the job's graph and
 * returns the stream it produces. Nothing runs until `env.execute()`.
 */
export class DataStream<T> {
  constructor(
    /** @internal */ readonly env: StreamExecutionEnvironment,
    /** @internal */ readonly nodeId: number,
    /** @internal */ readonly sideTag?: string,
  ) {}

  /** @internal */
  edge(partitioning: Partitioning = { kind: 'forward' }): Edge {
    return { from: this.nodeId, partitioning, sideTag: this.sideTag };
  }

  /** @internal Adds a one-input operator fed by this stream. */
  transform<OUT>(name: string, create: () => StreamOperator<T, OUT>, options: { partitioning?: Partitioning; keyed?: boolean; parallelism?: number } = {}): DataStream<OUT> {
    const id = this.env.addNode({
      kind: 'one', name, create, inputs: [this.edge(options.partitioning)], keyed: options.keyed ?? false,
      ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
    });
    return new DataStream<OUT>(this.env, id);
  }

  /** Sets the parallelism of the operator that produces this stream. */
  setParallelism(p: number): this {
    if (!Number.isInteger(p) || p < 1) throw new UserError(`parallelism must be a whole number >= 1, got ${p}`);
    this.env.nodes[this.nodeId]!.parallelism = p;
    return this;
  }

  /** Names the operator that produces this stream (shown in logs, metrics and errors). */
  name(name: string): this {
    this.env.nodes[this.nodeId]!.name = name;
    return this;
  }

  map<OUT>(fn: (value: T) => OUT): DataStream<OUT> {
    return this.transform('map', () => mapOperator(fn));
  }

  filter(fn: (value: T) => boolean): DataStream<T> {
    return this.transform('filter', () => filterOperator(fn));
  }

  flatMap<OUT>(fn: (value: T) => Iterable<OUT>): DataStream<OUT> {
    return this.transform('flatMap', () => flatMapOperator(fn));
  }

  /**
   * Calls an asynchronous function per record with bounded concurrency, a timeout and an optional
   * fallback, as Flink's async I/O.
   */
  mapAsync<OUT>(fn: (value: T) => Promise<OUT>, options: AsyncMapOptions<T, OUT> = {}): DataStream<OUT> {
    return this.transform('mapAsync', () => asyncMapOperator(fn, options));
  }

  /** Calls an asynchronous function once per batch (micro-batched scoring); one result per record, in order. */
  mapBatchAsync<OUT>(fn: (values: T[]) => Promise<OUT[]>, options: { timeoutMs?: number; fallback?: (values: T[], error: unknown) => OUT[] } = {}): DataStream<OUT> {
    return this.transform('mapBatchAsync', () => asyncBatchMapOperator(fn, options));
  }

  /** Per-record logic with side outputs (no keyed state: use `keyBy(...).process(...)` for that). */
  process<OUT>(fn: ProcessFunction<T, OUT> | (() => ProcessFunction<T, OUT>)): DataStream<OUT> {
    return this.transform('process', () => new ProcessOperator(instance(fn)));
  }

  /** Partitions the stream by key: records of one key meet in one subtask, with their keyed state. */
  keyBy<K extends KeyLike>(key: (value: T) => K): KeyedStream<T, K> {
    return new KeyedStream<T, K>(this, key);
  }

  /** Sets event time and watermarks here (prefer a watermark strategy on the source: it tracks each split). */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    return this.transform('timestamps/watermarks', () => timestampsAndWatermarksOperator<T>(strategy));
  }

  /** Windows over the whole stream (one subtask), as Flink's `windowAll`. */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, number, W> {
    return new WindowedStream<T, number, W>(this, () => 0, assigner, true);
  }

  /** Merges streams of the same type. */
  union(...others: DataStream<T>[]): DataStream<T> {
    const id = this.env.addNode({
      kind: 'one', name: 'union', create: () => mapOperator((x: T) => x, 'union'),
      inputs: [this, ...others].map((s) => s.edge({ kind: 'rebalance' })), keyed: false,
    });
    // A union keeps records where they are when parallelism matches; rebalance only bridges mismatches.
    const node = this.env.nodes[id]!;
    if (node.kind === 'one') {
      node.inputs = [this, ...others].map((s) => s.edge(s.env.nodes[s.nodeId]!.parallelism === node.parallelism ? { kind: 'forward' } : { kind: 'rebalance' }));
    }
    return new DataStream<T>(this.env, id);
  }

  /** Connects two streams for a two-input function; key both to share keyed state. */
  connect<R>(other: DataStream<R>): ConnectedStreams<T, R> {
    return new ConnectedStreams<T, R>(this, other);
  }

  /** The records emitted to a side output by the operator that produces this stream. */
  getSideOutput<S>(tag: OutputTag<S>): DataStream<S> {
    return new DataStream<S>(this.env, this.nodeId, tag.id);
  }

  rebalance(): DataStream<T> {
    return this.transform('rebalance', () => mapOperator((x: T) => x, 'rebalance'), { partitioning: { kind: 'rebalance' } });
  }

  /** Sends every record to one subtask. */
  global(): DataStream<T> {
    return this.transform('global', () => mapOperator((x: T) => x, 'global'), { partitioning: { kind: 'global' }, parallelism: 1 });
  }

  sinkTo(sink: Sink<T>, name?: string): void {
    this.env.addNode({ kind: 'sink', name: name ?? sink.name, sink, inputs: [this.edge()] });
  }

  print(prefix?: string): void {
    this.sinkTo(printSink<T>(prefix === undefined ? {} : { prefix }));
  }

  /**
   * Collects every record; read them with `handle.collected(name)` once the job is done. Works at any
   * parallelism and across worker threads.
   */
  collect(name = 'collect'): CollectSink<T> {
    if (this.env.nodes.some((n) => n.kind === 'sink' && n.name === name)) {
      throw new UserError(`there is already a sink named "${name}"`, { hint: 'give each collect sink its own name' });
    }
    const sink = new CollectSink<T>(name);
    this.sinkTo(sink, name);
    return sink;
  }
}

export class KeyedStream<T, K extends KeyLike> {
  constructor(readonly stream: DataStream<T>, readonly key: (value: T) => K) {}

  /** @internal */
  keyedTransform<OUT>(name: string, create: () => StreamOperator<T, OUT>): DataStream<OUT> {
    return this.stream.transform(name, create, { partitioning: { kind: 'hash', key: this.key }, keyed: true });
  }

  /** Per-record logic with keyed state and timers. */
  process<OUT>(fn: KeyedProcessFunction<any, T, OUT> | (() => KeyedProcessFunction<any, T, OUT>)): DataStream<OUT> {
    return this.keyedTransform('process', () => new KeyedProcessOperator<any, T, OUT>(instance(fn as any), this.key));
  }

  map<OUT>(fn: (value: T) => OUT): DataStream<OUT> {
    return this.keyedTransform('map', () => mapOperator(fn));
  }

  filter(fn: (value: T) => boolean): DataStream<T> {
    return this.keyedTransform('filter', () => filterOperator(fn));
  }

  flatMap<OUT>(fn: (value: T) => Iterable<OUT>): DataStream<OUT> {
    return this.keyedTransform('flatMap', () => flatMapOperator(fn));
  }

  /** Writes the keyed stream: each key's records reach the same sink subtask. */
  sinkTo(sink: Sink<T>, name?: string): void {
    const env = this.stream.env;
    env.addNode({ kind: 'sink', name: name ?? sink.name, sink, inputs: [this.stream.edge({ kind: 'hash', key: this.key })] });
  }

  /** Cuts the keyed stream into windows. */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this.stream, this.key, assigner);
  }

  /** A rolling reduce: emits the running result for the key after every record. */
  reduce(fn: (a: T, b: T) => T): DataStream<T> {
    return this.process<T>(() => {
      let state: ValueState<T>;
      return {
        open(rt) { state = rt.getState({ kind: 'value', name: 'reduce' }); },
        processElement(v, _ctx, out) {
          const cur = state.value();
          const next = cur === undefined ? v : fn(cur, v);
          state.update(next);
          out.collect(next);
        },
      };
    }).name('reduce');
  }

  /**
   * Joins with another keyed stream on time intervals: `other.ts` within `[this.ts + lower, this.ts + upper]`.
   *
   * @example
   * orders.keyBy((o) => o.id).intervalJoin(payments.keyBy((p) => p.orderId))
   *   .between(0, 60_000).process((o, p, _ctx, out) => out.collect({ ...o, paidAt: p.time }));
   */
  intervalJoin<R>(other: KeyedStream<R, KeyLike>): IntervalJoinBuilder<T, R> {
    return new IntervalJoinBuilder<T, R>(this, other);
  }
}

export class IntervalJoinBuilder<L, R> {
  private lower = 0;
  private upper = 0;
  private lowerExclusive = false;
  private upperExclusive = false;
  private lateLeft: OutputTag<L> | undefined;
  private lateRight: OutputTag<R> | undefined;

  constructor(private readonly left: KeyedStream<L, KeyLike>, private readonly right: KeyedStream<R, KeyLike>) {}

  between(lowerMs: number, upperMs: number): this {
    this.lower = lowerMs;
    this.upper = upperMs;
    return this;
  }
  lowerBoundExclusive(): this { this.lowerExclusive = true; return this; }
  upperBoundExclusive(): this { this.upperExclusive = true; return this; }
  sideOutputLeftLateData(tag: OutputTag<L>): this { this.lateLeft = tag; return this; }
  sideOutputRightLateData(tag: OutputTag<R>): this { this.lateRight = tag; return this; }

  process<OUT>(join: (left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>) => void): DataStream<OUT> {
    const env = this.left.stream.env;
    const { lower, upper, lowerExclusive, upperExclusive, lateLeft, lateRight } = this;
    const leftKey = this.left.key;
    const rightKey = this.right.key;
    const id = env.addNode({
      kind: 'two', name: 'interval-join', keyed: true,
      create: () => new IntervalJoinOperator<L, R, OUT>({
        lowerBound: lower, upperBound: upper, lowerBoundExclusive: lowerExclusive, upperBoundExclusive: upperExclusive,
        join, leftKey, rightKey, lateLeft, lateRight,
      }),
      inputs: [this.left.stream.edge({ kind: 'hash', key: leftKey }), this.right.stream.edge({ kind: 'hash', key: rightKey })],
    });
    return new DataStream<OUT>(env, id);
  }
}

export class ConnectedStreams<A, B> {
  constructor(readonly first: DataStream<A>, readonly second: DataStream<B>) {}

  /** Keys both inputs, so the two-input function shares keyed state and timers per key. */
  keyBy(keyA: (a: A) => KeyLike, keyB: (b: B) => KeyLike): KeyedConnectedStreams<A, B> {
    return new KeyedConnectedStreams<A, B>(this.first, this.second, keyA, keyB);
  }
}

export class KeyedConnectedStreams<A, B> {
  constructor(
    readonly first: DataStream<A>,
    readonly second: DataStream<B>,
    readonly keyA: (a: A) => KeyLike,
    readonly keyB: (b: B) => KeyLike,
  ) {}

  process<OUT>(fn: KeyedCoProcessFunction<any, A, B, OUT> | (() => KeyedCoProcessFunction<any, A, B, OUT>)): DataStream<OUT> {
    const env = this.first.env;
    const { keyA, keyB } = this;
    const id = env.addNode({
      kind: 'two', name: 'co-process', keyed: true,
      create: () => new KeyedCoProcessOperator<any, A, B, OUT>(instance(fn), keyA, keyB),
      inputs: [this.first.edge({ kind: 'hash', key: keyA }), this.second.edge({ kind: 'hash', key: keyB })],
    });
    return new DataStream<OUT>(env, id);
  }
}

/**
 * Functions with state must not be shared between subtasks: a factory gives each subtask its own
 * instance; a plain object is cloned shallowly per subtask.
 */
function instance<F extends object>(fn: F | (() => F)): F {
  if (typeof fn === 'function') return (fn as () => F)();
  return Object.assign(Object.create(Object.getPrototypeOf(fn) as object) as F, fn);
}
