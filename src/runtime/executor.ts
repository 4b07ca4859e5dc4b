import { Worker } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { WeirError } from '../core/errors.js';
import type { JobGraph } from './graph.js';
import type { CoordinatorCommand, ExchangeMessage, NodeMetrics, Transport, WorkerReport } from './messages.js';
import type { CompletedCheckpoint, StoredSubtask } from './checkpoint-storage.js';
import { CollectSink } from './sink.js';
import type { CollectedRecord } from './sink.js';
import { CLOSE_ON_FAILURE_MS, WorkerRuntime, settleWithin } from './worker-runtime.js';
import { CheckpointCoordinator, FINAL_CHECKPOINT_ID } from './checkpoint-coordinator.js';
import type { CheckpointMetrics } from './checkpoint-coordinator.js';
import { ControlServer } from './control-server.js';
import { prometheusText, serveMetrics } from './metrics.js';

export interface JobResult {
  name: string;
  durationMs: number;
  metrics: NodeMetrics[];
}

/** A running job: await `done`, or `cancel()` it. */
export interface JobHandle {
  readonly name: string;
  /** Settles when every sink has finished (bounded input), or rejects with the job's first error. */
  readonly done: Promise<JobResult>;
  /** Stops the sources and waits for the job to wind down. */
  cancel(): Promise<void>;
  /** Records that reached the collect sink named `sink`. */
  collected<T>(sink?: string): CollectedRecord<T>[];
  /** Checkpoint figures, when the job checkpoints. */
  checkpoints(): CheckpointMetrics | undefined;
  /** Takes a checkpoint now (between the periodic ones). */
  triggerCheckpoint(): void;
  /** Takes a savepoint into `targetDir`; resolves with its path. */
  savepoint(targetDir: string): Promise<{ path: string; id: number }>;
  /** Operator counters (live for jobs in this thread; from workers when they finish). */
  metrics(): NodeMetrics[];
  /** The metrics in Prometheus' text format (also served on `metricsPort` when set). */
  prometheus(): string;
}

function collectSinks(graph: JobGraph): Map<string, CollectSink<unknown>> {
  const map = new Map<string, CollectSink<unknown>>();
  for (const n of graph.nodes) if (n.kind === 'sink' && n.sink instanceof CollectSink) map.set(n.name, n.sink);
  return map;
}

function makeHandle(
  name: string, done: Promise<JobResult>, cancel: () => Promise<void>, sinks: Map<string, CollectSink<unknown>>,
  coordinator: CheckpointCoordinator | undefined, metrics: () => NodeMetrics[], metricsPort?: number,
): JobHandle {
  done.catch(() => {});
  const prometheus = () => prometheusText(name, metrics(), coordinator?.metrics);
  if (metricsPort !== undefined) {
    const server = serveMetrics(metricsPort, prometheus);
    server.then((s) => {
      process.stderr.write(`weir: metrics on http://127.0.0.1:${s.port}/metrics\n`);
      const stop = () => void s.close();
      done.then(stop, stop);
    }, (err: unknown) => process.stderr.write(`weir: cannot serve metrics on port ${metricsPort}: ${(err as Error).message}\n`));
  }
  return {
    metrics,
    prometheus,
    name,
    done,
    cancel,
    checkpoints: () => coordinator?.metrics,
    triggerCheckpoint: () => coordinator?.trigger(),
    savepoint: (target) => {
      if (!coordinator) return Promise.reject(new WeirError('the job runs without checkpoints, so it cannot take savepoints', { domain: 'user', hint: 'enable checkpointing with a directory' }));
      return coordinator.savepoint(target);
    },
    collected<T>(sink?: string): CollectedRecord<T>[] {
      const s = sink === undefined ? [...sinks.values()][0] : sinks.get(sink);
      if (!s) {
        throw new WeirError(`the job has no collect sink${sink ? ` named "${sink}"` : ''}`, {
          domain: 'user', hint: `collect sinks: ${[...sinks.keys()].join(', ') || 'none'}; add one with stream.collect(name)`,
        });
      }
      return s.records as CollectedRecord<T>[];
    },
  };
}

/** Serves `weir savepoint` / status / cancel for a job with checkpoints until it ends. */
function serveControl(graph: JobGraph, coordinator: CheckpointCoordinator | undefined, done: Promise<unknown>, cancel: () => Promise<void>): void {
  if (!coordinator || !graph.checkpointing) return;
  const server = ControlServer.start(graph.checkpointing.dir, {
    savepoint: (target) => coordinator.savepoint(target),
    status: () => coordinator.metrics,
    cancel,
  });
  server.catch((err: unknown) => process.stderr.write(`weir: no control socket for savepoints: ${(err as Error).message}\n`));
  const stop = () => { void server.then((s) => s.close(), () => {}); };
  done.then(stop, stop);
}

/**
 * Delivers messages between runtimes of one thread, asynchronously and in order, so P subtasks can run in
 * one thread with the same exchange protocol as workers.
 */
class InProcessHub {
  private readonly handlers: ((from: number, m: ExchangeMessage) => void)[] = [];
  private readonly queue: [number, number, ExchangeMessage][] = [];
  private scheduled = false;

  transport(worker: number): Transport {
    return {
      send: (target, message) => {
        this.queue.push([worker, target, message]);
        if (!this.scheduled) {
          this.scheduled = true;
          setImmediate(() => this.drain());
        }
      },
      onMessage: (h) => { this.handlers[worker] = h; },
    };
  }

  private drain(): void {
    this.scheduled = false;
    const items = this.queue.splice(0, this.queue.length);
    for (const [from, to, m] of items) this.handlers[to]!(from, m);
  }
}

/**
 * Runs a job graph in this thread. Nodes with parallelism P > 1 run as P subtasks here, exchanging records
 * exactly as worker threads do; use `executeInWorkers` to spread them over cores.
 */
export function executeInThread(graph: JobGraph): JobHandle {
  const started = Date.now();
  const controller = new AbortController();
  const workers = Math.max(1, ...graph.nodes.map((n) => n.parallelism));
  const hub = workers > 1 ? new InProcessHub() : undefined;
  const log = (m: string) => process.stderr.write(`weir: ${m}\n`);
  let runtimes: WorkerRuntime[] = [];
  const coordinator = graph.checkpointing
    ? new CheckpointCoordinator(graph, {
      trigger: (id) => { for (const r of runtimes) r.triggerCheckpoint(id); },
      complete: async (id) => { for (const r of runtimes) await r.completeCheckpoint(id); },
      log,
    })
    : undefined;
  runtimes = Array.from({ length: workers }, (_, w) => new WorkerRuntime({
    graph, worker: w, transport: hub?.transport(w), signal: controller.signal,
    restore: coordinator?.restored,
    onAck: coordinator ? (id, st, alignMs) => coordinator.ack(id, st, alignMs) : undefined,
  }));
  const failAll = (err: unknown) => { coordinator?.stop(); for (const r of runtimes) r.fail(err); };
  for (const r of runtimes) r.failedPromise.catch(failAll);
  coordinator?.start();
  const done = Promise.all(runtimes.map((r) => r.run())).then(async (metrics) => {
    if (coordinator && !controller.signal.aborted) {
      await coordinator.finish(runtimes.flatMap((r) => r.finalStates()));
      for (const r of runtimes) await r.close();
    }
    coordinator?.stop();
    return { name: graph.name, durationMs: Date.now() - started, metrics: metrics.flat() };
  });
  done.catch(() => coordinator?.stop());
  const cancel = async () => {
    controller.abort();
    coordinator?.stop();
    await done.catch(() => {});
  };
  serveControl(graph, coordinator, done, cancel);
  return makeHandle(graph.name, done, cancel, collectSinks(graph), coordinator, () => runtimes.flatMap((r) => r.metrics()), graph.metricsPort);
}

/** Where a worker finds the job: a module URL and the name of its exported `JobDefinition`. */
export interface JobLocation {
  moduleUrl: string;
  exportName: string;
  args: unknown;
  /** Environment settings the caller overrode (batch size, max parallelism), so workers build the same graph. */
  env?: { maxParallelism?: number; batchSize?: number } | undefined;
}

export interface WorkerData {
  location: JobLocation;
  worker: number;
  workers: number;
  parallelism: number;
  ports: (MessagePort | null)[];
  restore: CompletedCheckpoint | undefined;
}

/**
 * Runs a job on `workers` worker threads. Each worker imports the job's module, builds the same graph and
 * runs subtask w of every node; keyed exchanges cross threads through message ports with credit-based
 * flow control.
 */
export function executeInWorkers(graph: JobGraph, location: JobLocation, workers: number): JobHandle {
  const started = Date.now();
  const sinks = collectSinks(graph);
  // One channel per pair of workers.
  const ports: (MessagePort | null)[][] = Array.from({ length: workers }, () => new Array(workers).fill(null));
  for (let a = 0; a < workers; a++) {
    for (let b = a + 1; b < workers; b++) {
      const ch = new MessageChannel();
      ports[a]![b] = ch.port1;
      ports[b]![a] = ch.port2;
    }
  }
  const entry = new URL('./worker-main.js', import.meta.url);
  const threads: Worker[] = [];
  const metrics: NodeMetrics[] = [];
  const post = (m: CoordinatorCommand) => { for (const t of threads) t.postMessage(m); };
  const coordinator = graph.checkpointing
    ? new CheckpointCoordinator(graph, {
      trigger: (id) => post({ t: 'checkpoint', id }),
      complete: async (id) => { if (id !== FINAL_CHECKPOINT_ID) post({ t: 'complete', id }); },
      log: (m) => process.stderr.write(`weir: ${m}\n`),
    })
    : undefined;
  const drained: StoredSubtask[] = [];
  let drainedWorkers = 0;
  let finished = 0;
  let settled = false;
  let resolveDone!: (r: JobResult) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<JobResult>((res, rej) => { resolveDone = res; rejectDone = rej; });
  const stopAll = () => Promise.all(threads.map((t) => t.terminate())).then(() => {});
  // Workers that have reported their end (done or error) or exited.
  const ended = new Set<number>();
  let allEnded!: () => void;
  const everyWorkerEnded = new Promise<void>((r) => { allEnded = r; });
  const markEnded = (w: number) => { ended.add(w); if (ended.size === workers) allEnded(); };
  /**
   * One worker failed: the others are cancelled so they close their sinks (aborting open
   * transactions) and are ended after that, or after CLOSE_ON_FAILURE_MS if one is stuck.
   */
  const failAll = (err: unknown) => {
    if (settled) return;
    settled = true;
    coordinator?.stop();
    post({ t: 'cancel' });
    void settleWithin(everyWorkerEnded, CLOSE_ON_FAILURE_MS)
      .then(stopAll)
      .then(() => rejectDone(err));
  };
  for (let w = 0; w < workers; w++) {
    const data: WorkerData = { location, worker: w, workers, parallelism: workers, ports: ports[w]!, restore: coordinator?.restored };
    const transfer = ports[w]!.filter((p): p is MessagePort => p !== null);
    const t = new Worker(entry, { workerData: data, transferList: transfer });
    threads.push(t);
    t.on('message', (r: WorkerReport) => {
      switch (r.t) {
        case 'collect': {
          const sink = sinks.get(r.sink);
          if (sink) for (let i = 0; i < r.v.length; i++) sink.records.push({ value: r.v[i], timestamp: r.ts[i]! });
          break;
        }
        case 'done':
          markEnded(w);
          metrics.push(...r.metrics);
          if (++finished === workers && !settled) {
            settled = true;
            void stopAll().then(() => resolveDone({ name: graph.name, durationMs: Date.now() - started, metrics }));
          }
          break;
        case 'error': {
          markEnded(w);
          const err = new WeirError(r.message, {
            domain: (r.domain as 'user' | 'external' | 'internal' | undefined) ?? 'internal', origin: r.origin, hint: r.hint,
          });
          if (r.stack) err.stack = r.stack;
          failAll(err);
          break;
        }
        case 'log':
          process.stderr.write(`weir ${r.level}: ${r.message}\n`);
          break;
        case 'ack':
          coordinator?.ack(r.id, r.state, r.alignMs);
          break;
        case 'drained':
          drained.push(...r.states);
          if (++drainedWorkers === workers && coordinator) {
            coordinator.finish(drained).then(() => post({ t: 'finish' }), failAll);
          }
          break;
      }
    });
    t.on('error', (err) => { markEnded(w); failAll(err); });
    t.on('exit', (code) => {
      markEnded(w);
      if (code !== 0) failAll(new WeirError(`worker ${w} exited with code ${code}`, { domain: 'internal' }));
    });
  }
  coordinator?.start();
  done.then(() => coordinator?.stop(), () => coordinator?.stop());
  const cancel = async () => {
    coordinator?.stop();
    post({ t: 'cancel' });
    // A cancelled worker stops its sources and reports done; give it a moment, then end it.
    await Promise.race([done.catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    if (!settled) {
      settled = true;
      await stopAll();
      resolveDone({ name: graph.name, durationMs: Date.now() - started, metrics });
    }
  };
  serveControl(graph, coordinator, done, cancel);
  return makeHandle(graph.name, done, cancel, sinks, coordinator, () => metrics, graph.metricsPort);
}
