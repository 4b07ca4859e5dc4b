import type { KeyLike } from '../core/keys.js';
import type { StreamOperator, TwoInputStreamOperator } from '../operators/operator.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';
import type { WatermarkStrategy } from './watermarks.js';

/** How records travel from one operator's subtasks to the next one's. */
export type Partitioning =
  | { kind: 'forward' }
  | { kind: 'hash'; key: (value: any) => KeyLike }
  | { kind: 'rebalance' }
  | { kind: 'global' }
  | { kind: 'broadcast' };

export interface Edge {
  from: number;
  partitioning: Partitioning;
  /** Reads this side output of `from` instead of its main output. */
  sideTag?: string | undefined;
}

interface NodeBase {
  id: number;
  name: string;
  parallelism: number;
}

export interface SourceNode extends NodeBase {
  kind: 'source';
  source: Source<any>;
  watermarks: WatermarkStrategy<any> | undefined;
}

/** An operator with one logical input; several edges make a union feeding it. */
export interface OneInputNode extends NodeBase {
  kind: 'one';
  create: () => StreamOperator<any, any>;
  inputs: Edge[];
  keyed: boolean;
}

export interface TwoInputNode extends NodeBase {
  kind: 'two';
  create: () => TwoInputStreamOperator<any, any, any>;
  inputs: [Edge, Edge];
  keyed: boolean;
}

export interface SinkNode extends NodeBase {
  kind: 'sink';
  sink: Sink<any>;
  inputs: Edge[];
}

export type GraphNode = SourceNode | OneInputNode | TwoInputNode | SinkNode;

/** The logical dataflow a job builds: nodes in creation order, each knowing its inputs. */
export interface JobGraph {
  name: string;
  nodes: GraphNode[];
  maxParallelism: number;
  /** Records per source poll. */
  batchSize: number;
  /** Where keyed state lives: on the heap (default) or on disk in LMDB, for state larger than memory. */
  stateBackend?: StateBackendConfig | undefined;
  /** Serve Prometheus metrics on 127.0.0.1 at this port (0: any free port). */
  metricsPort?: number | undefined;
  /** Periodic aligned checkpoints; without it, a restart starts from scratch. */
  checkpointing?: CheckpointConfig | undefined;
}

export type StateBackendConfig =
  | { kind: 'heap' }
  /** One LMDB environment per keyed subtask under `dir`; `cacheEntries` bounds the write-back cache. */
  | { kind: 'lmdb'; dir: string; cacheEntries?: number };

export interface CheckpointConfig {
  intervalMs: number;
  /** Where checkpoints go; a job started again on the same directory resumes from the latest one. */
  dir: string;
  /** Complete checkpoints kept (default 3). */
  retain?: number;
  /** Start from this savepoint (a directory written by `weir savepoint`, or one `chk-N` in it). */
  restoreFrom?: string | undefined;
}

export function describeGraph(graph: JobGraph): string {
  return graph.nodes
    .map((n) => {
      const ins = n.kind === 'source' ? '' : ` <- ${n.inputs.map((e) => `#${e.from}${e.sideTag ? `[${e.sideTag}]` : ''}(${e.partitioning.kind})`).join(', ')}`;
      return `#${n.id} ${n.kind} ${n.name} p=${n.parallelism}${ins}`;
    })
    .join('\n');
}
