import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { JobGraph } from './graph.js';
import { CheckpointStorage } from './checkpoint-storage.js';
import type { CompletedCheckpoint, StoredSubtask } from './checkpoint-storage.js';

/** Checkpoint figures a job exposes (and the metrics endpoint publishes). */
export interface CheckpointMetrics {
  completed: number;
  /** Checkpoints given up because a newer one, or the end of input, overtook them. */
  abandoned: number;
  lastId: number | undefined;
  lastDurationMs: number | undefined;
  lastSizeBytes: number | undefined;
  /** The longest barrier alignment of any subtask in the last checkpoint. */
  lastAlignmentMs: number | undefined;
  restoredFrom: number | undefined;
}

export interface CoordinatorHooks {
  /** Asks every subtask to take checkpoint `id`. */
  trigger(id: number): void;
  /** Checkpoint `id` is durable: let sinks commit. */
  complete(id: number): Promise<void>;
  log(message: string): void;
}

/** Sinks pre-commit the end of input under this id; the final checkpoint commits it. */
export const FINAL_CHECKPOINT_ID = Number.MAX_SAFE_INTEGER;

/**
 * Triggers aligned checkpoints at an interval, gathers every subtask's part, writes the checkpoint
 * durably and tells the sinks to commit. One checkpoint is in flight at a time.
 */
export class CheckpointCoordinator {
  readonly storage: CheckpointStorage;
  readonly restored: CompletedCheckpoint | undefined;
  readonly metrics: CheckpointMetrics;
  private nextId: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: { id: number; started: number; acks: Map<string, StoredSubtask>; alignMs: number } | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly expected: number;
  private stopped = false;
  private readonly savepoints = new Map<number, { target: string; resolve: (r: { path: string; id: number }) => void; reject: (e: unknown) => void }>();

  constructor(private readonly graph: JobGraph, private readonly hooks: CoordinatorHooks) {
    const cfg = graph.checkpointing!;
    this.storage = new CheckpointStorage(cfg.dir, cfg.retain ?? 3, hooks.log);
    this.expected = graph.nodes.reduce((n, node) => n + node.parallelism, 0);
    this.restored = cfg.restoreFrom ? loadSavepoint(cfg.restoreFrom, hooks.log) : this.storage.latest();
    if (this.restored) checkCompatible(graph, this.restored, cfg.dir);
    this.nextId = (this.restored?.id ?? 0) + 1;
    this.metrics = {
      completed: 0, abandoned: 0, lastId: undefined, lastDurationMs: undefined, lastSizeBytes: undefined,
      lastAlignmentMs: undefined, restoredFrom: this.restored?.id,
    };
    if (this.restored) hooks.log(`resuming ${graph.name} from checkpoint ${this.restored.id} in ${cfg.dir}${this.restored.final ? ' (the job had finished; committing its output)' : ''}`);
  }

  start(): void {
    const interval = this.graph.checkpointing!.intervalMs;
    this.timer = setInterval(() => this.trigger(), interval);
    this.timer.unref();
  }

  /**
   * Takes a savepoint: a checkpoint now, also written to `targetDir` (kept until you delete it), to start
   * the job from later with `restoreFrom`.
   */
  async savepoint(targetDir: string): Promise<{ path: string; id: number }> {
    if (this.stopped) throw new UserError('the job is finishing; no savepoint can be taken any more');
    while (this.inFlight) await new Promise((r) => setTimeout(r, 5));
    const id = this.nextId;
    const done = new Promise<{ path: string; id: number }>((resolve, reject) => this.savepoints.set(id, { target: targetDir, resolve, reject }));
    this.trigger();
    return done;
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      // A checkpoint that has not completed in ten intervals (or a minute) is given up for a new one.
      const limit = Math.max(60_000, 10 * this.graph.checkpointing!.intervalMs);
      if (Date.now() - this.inFlight.started < limit) return;
      this.hooks.log(`checkpoint ${this.inFlight.id} did not complete in ${limit} ms; abandoning it`);
      this.inFlight = undefined;
      this.metrics.abandoned++;
    }
    const id = this.nextId++;
    this.inFlight = { id, started: Date.now(), acks: new Map(), alignMs: 0 };
    this.hooks.trigger(id);
  }

  /** A subtask's part of checkpoint `id`, already serialised. */
  ack(id: number, state: StoredSubtask, alignMs: number): void {
    const cp = this.inFlight;
    if (!cp || cp.id !== id) return;
    cp.acks.set(`${state.node}/${state.subtask}`, state);
    if (alignMs > cp.alignMs) cp.alignMs = alignMs;
    if (cp.acks.size === this.expected) {
      const done = cp;
      this.writing = this.writing.then(() => this.persist(done.id, done.started, [...done.acks.values()], false, done.alignMs));
    }
  }

  /**
   * The end of bounded input: every subtask has finished. Writes the final checkpoint from their final
   * states (a checkpoint still in flight is abandoned) and commits.
   */
  async finish(states: StoredSubtask[]): Promise<void> {
    this.stop();
    await this.writing;
    if (this.inFlight) {
      this.inFlight = undefined;
      this.metrics.abandoned++;
    }
    await this.persist(this.nextId++, Date.now(), states, true, 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const sp of this.savepoints.values()) sp.reject(new UserError('the job stopped before the savepoint completed'));
    this.savepoints.clear();
  }

  private async persist(id: number, started: number, subtasks: StoredSubtask[], final: boolean, alignMs: number): Promise<void> {
    const cp: CompletedCheckpoint = {
      id, timestamp: Date.now(), final, jobName: this.graph.name,
      topology: this.graph.nodes.map((n) => ({ id: n.id, name: n.name, parallelism: n.parallelism })),
      subtasks,
    };
    const { bytes } = await this.storage.write(cp);
    const sp = this.savepoints.get(id);
    if (sp) {
      this.savepoints.delete(id);
      try {
        await new CheckpointStorage(sp.target, Number.MAX_SAFE_INTEGER, this.hooks.log).write(cp);
        sp.resolve({ path: join(sp.target, `chk-${id}`), id });
      } catch (err) {
        sp.reject(err);
      }
    }
    this.metrics.completed++;
    this.metrics.lastId = id;
    this.metrics.lastDurationMs = Date.now() - started;
    this.metrics.lastSizeBytes = bytes;
    this.metrics.lastAlignmentMs = alignMs;
    if (this.inFlight?.id === id) this.inFlight = undefined;
    await this.hooks.complete(final ? FINAL_CHECKPOINT_ID : id);
  }
}

/** A savepoint given as its directory (the newest checkpoint in it) or as one `chk-N` directory. */
function loadSavepoint(path: string, log: (m: string) => void): CompletedCheckpoint {
  const m = /^chk-(\d+)$/.exec(basename(path));
  const cp = m ? new CheckpointStorage(dirname(path), Number.MAX_SAFE_INTEGER, log).load(Number(m[1])) : new CheckpointStorage(path, Number.MAX_SAFE_INTEGER, log).latest();
  if (!cp) throw new UserError(`no savepoint found in ${path}`, { hint: 'give the directory weir savepoint printed' });
  return cp;
}

function checkCompatible(graph: JobGraph, cp: CompletedCheckpoint, dir: string): void {
  const now = graph.nodes.map((n) => `${n.id}:${n.name}:${n.parallelism}`).join(',');
  const then = cp.topology.map((n) => `${n.id}:${n.name}:${n.parallelism}`).join(',');
  if (now !== then) {
    throw new UserError(`the checkpoint in ${dir} was written by a different job graph (or parallelism) than this one`, {
      hint: `restore with the same job and parallelism, or start fresh with another checkpoint directory.\n  checkpoint: ${then}\n  this job:   ${now}`,
    });
  }
}
