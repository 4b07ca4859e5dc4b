import { DEFAULT_MAX_PARALLELISM } from '../core/keys.js';
import { UserError } from '../core/errors.js';
import type { CheckpointConfig, Edge, GraphNode, JobGraph, StateBackendConfig } from '../runtime/graph.js';
import type { JobHandle } from '../runtime/executor.js';
import { executeInThread, executeInWorkers } from '../runtime/executor.js';
import type { Source } from '../runtime/source.js';
import { fromArray, fromGenerator } from '../runtime/source.js';
import type { WatermarkStrategy } from '../runtime/watermarks.js';
import { DataStream } from './datastream.js';

export interface EnvironmentOptions {
  /** Default parallelism of every operator (default 1). */
  parallelism?: number;
  /** Number of key groups: the most parallelism keyed state can ever be spread over (default 128). */
  maxParallelism?: number;
  /** Records a source hands on per batch (default 1024). */
  batchSize?: number;
  name?: string;
  /**
   * Aligned checkpoints every `intervalMs` into `dir`. Starting a job on a directory that holds a
   * checkpoint resumes from the latest complete one.
   */
  checkpointing?: CheckpointConfig;
  /** Serve Prometheus metrics at http://127.0.0.1:PORT/metrics while the job runs (0: any free port). */
  metricsPort?: number;
  /** Keyed state on the heap (default) or on disk: `{ kind: 'lmdb', dir }` for state larger than memory. */
  stateBackend?: StateBackendConfig;
}

type NodeSpec = GraphNode extends infer N ? (N extends GraphNode ? Omit<N, 'id' | 'parallelism'> & { parallelism?: number } : never) : never;

/**
 * Where a DataStream job is built and run, as Flink's `StreamExecutionEnvironment`.
 *
 * @example
 * const env = StreamExecutionEnvironment.create();
 * env.fromArray([1, 2, 3]).map((x) => x * 2).print();
 * await env.execute('double').done;
 */
export class StreamExecutionEnvironment {
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly batchSize: number;
  readonly name: string;
  checkpointing: CheckpointConfig | undefined;
  /** @internal */
  readonly nodes: GraphNode[] = [];

  constructor(options: EnvironmentOptions = {}) {
    this.parallelism = checkParallelism(options.parallelism ?? 1, 'parallelism');
    this.maxParallelism = checkParallelism(options.maxParallelism ?? DEFAULT_MAX_PARALLELISM, 'maxParallelism');
    if (this.parallelism > this.maxParallelism) {
      throw new UserError(`parallelism ${this.parallelism} exceeds maxParallelism ${this.maxParallelism}`, { hint: 'raise maxParallelism or lower parallelism' });
    }
    this.batchSize = options.batchSize ?? 1024;
    this.name = options.name ?? 'weir job';
    this.checkpointing = options.checkpointing;
    this.metricsPort = options.metricsPort;
    this.stateBackend = options.stateBackend;
  }

  readonly stateBackend: StateBackendConfig | undefined;

  readonly metricsPort: number | undefined;

  /** Turns on aligned checkpoints (see `EnvironmentOptions.checkpointing`). */
  enableCheckpointing(intervalMs: number, dir: string, retain = 3): this {
    if (!(intervalMs > 0)) throw new UserError(`checkpoint interval must be > 0 ms, got ${intervalMs}`);
    this.checkpointing = { intervalMs, dir, retain };
    return this;
  }

  static create(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  /** Reads a source; with a watermark strategy, event time and watermarks are set per source split. */
  fromSource<T>(source: Source<T>, watermarks?: WatermarkStrategy<T>, name?: string): DataStream<T> {
    const id = this.addNode({ kind: 'source', name: name ?? source.name, source, watermarks });
    return new DataStream<T>(this, id);
  }

  /** A bounded stream of the given elements. */
  fromArray<T>(values: readonly T[], options: { timestamps?: readonly number[]; name?: string } = {}): DataStream<T> {
    return this.fromSource(fromArray(values, options), undefined, options.name ?? 'array');
  }

  fromElements<T>(...values: T[]): DataStream<T> {
    return this.fromArray(values);
  }

  /** Element n is `fn(n)` for n < count; `count = Infinity` makes it unbounded. */
  fromGenerator<T>(count: number, fn: (n: number) => T, options: { timestamp?: (n: number) => number; ratePerSecond?: number; name?: string } = {}): DataStream<T> {
    return this.fromSource(fromGenerator(count, fn, options), undefined, options.name ?? 'generator');
  }

  /** @internal */
  addNode(spec: NodeSpec): number {
    const id = this.nodes.length;
    const parallelism = spec.parallelism ?? this.defaultParallelism(spec);
    this.nodes.push({ ...spec, id, parallelism } as GraphNode);
    return id;
  }

  private defaultParallelism(spec: NodeSpec): number {
    if (spec.kind === 'source') return this.parallelism;
    // An operator fed only by a global exchange runs once.
    const inputs = spec.inputs as Edge[];
    if (inputs.length > 0 && inputs.every((e) => e.partitioning.kind === 'global')) return 1;
    return this.parallelism;
  }

  /** The job's logical graph, as the runtime and `explain()` see it. */
  buildGraph(): JobGraph {
    if (!this.nodes.some((n) => n.kind === 'sink')) {
      throw new UserError('the job has no sink, so it would compute nothing anyone can see', {
        hint: 'end a stream with .sinkTo(...), .print() or .collect()',
      });
    }
    return { name: this.name, nodes: this.nodes, maxParallelism: this.maxParallelism, batchSize: this.batchSize, checkpointing: this.checkpointing, metricsPort: this.metricsPort, stateBackend: this.stateBackend };
  }

  /**
   * Starts the job in this thread and returns its handle. Operators with parallelism P run as P subtasks
   * here; to spread them over P worker threads, define the job with `defineJob`.
   */
  execute(name?: string): JobHandle {
    const graph = this.buildGraph();
    if (name) graph.name = name;
    return executeInThread(graph);
  }
}

function checkParallelism(p: number, what: string): number {
  if (!Number.isInteger(p) || p < 1) throw new UserError(`${what} must be a whole number >= 1, got ${p}`);
  return p;
}

export interface JobDefinition<A> {
  readonly moduleUrl: string;
  readonly exportName: string;
  /** Builds the job's graph (also what each worker thread does). */
  buildGraph(args: A, parallelism: number, overrides?: EnvironmentOptions): JobGraph;
  /**
   * Runs the job. With parallelism P > 1 it runs on P worker threads (unless `threads: false`), each of
   * which imports this module and builds the same graph.
   */
  execute(options?: { args?: A; parallelism?: number; threads?: boolean; maxParallelism?: number; batchSize?: number }): JobHandle;
}

/**
 * Defines a job that can run on worker threads. Functions cannot be sent to another thread, so each
 * worker imports the module that defines the job and builds the same graph: the module must export the
 * definition under `exportName`, and importing it must have no side effects beyond defining jobs.
 *
 * @example
 * // jobs.ts
 * export const counts = defineJob(import.meta.url, 'counts', (env, args: { n: number }) => {
 *   env.fromGenerator(args.n, (i) => i % 100).keyBy((x) => x).process(...).collect('out');
 * });
 * // elsewhere
 * const handle = counts.execute({ args: { n: 1e6 }, parallelism: 4 });
 * await handle.done;
 */
export function defineJob<A = undefined>(
  moduleUrl: string,
  exportName: string,
  build: (env: StreamExecutionEnvironment, args: A) => void,
  defaults: EnvironmentOptions = {},
): JobDefinition<A> {
  const graphFor = (args: A, parallelism: number, extra: EnvironmentOptions = {}): JobGraph => {
    const env = new StreamExecutionEnvironment({ ...defaults, ...extra, parallelism, name: defaults.name ?? exportName });
    build(env, args);
    return env.buildGraph();
  };
  return {
    moduleUrl,
    exportName,
    buildGraph: (args, parallelism, overrides) => graphFor(args, parallelism, overrides),
    execute(options = {}) {
      const parallelism = options.parallelism ?? defaults.parallelism ?? 1;
      const extra: EnvironmentOptions = {};
      if (options.maxParallelism !== undefined) extra.maxParallelism = options.maxParallelism;
      if (options.batchSize !== undefined) extra.batchSize = options.batchSize;
      const graph = graphFor(options.args as A, parallelism, extra);
      if (parallelism > 1 && options.threads !== false) {
        return executeInWorkers(graph, { moduleUrl, exportName, args: options.args, env: { ...extra } }, parallelism);
      }
      return executeInThread(graph);
    },
  };
}
