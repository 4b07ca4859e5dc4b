import type { Batch } from '../core/batch.js';
import type { Key } from '../core/keys.js';
import { normalizeKey, subtaskForKey } from '../core/keys.js';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../core/time.js';
import { WeirError, errorMessage } from '../core/errors.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import type { KeyedStateBackend } from '../state/heap-backend.js';
import { join } from 'node:path';
import type { OperatorContext, ProcessingTimeService, StreamOperator, TwoInputStreamOperator } from '../operators/operator.js';
import { OutputBuffer } from '../operators/output-buffer.js';
import type { Edge, GraphNode, JobGraph } from './graph.js';
import type { ExchangeMessage, NodeMetrics, Transport } from './messages.js';
import { edgeId } from './messages.js';
import type { SinkWriter } from './sink.js';
import type { SourceReader } from './source.js';
import type { WatermarkGenerator } from './watermarks.js';
import type { CompletedCheckpoint, StoredSubtask, SubtaskState } from './checkpoint-storage.js';
import { packSubtask, unpackSubtask } from './checkpoint-storage.js';
import { WatermarkCombiner } from './watermarks.js';

/** Unacknowledged batches allowed on one remote channel before the sender is held back. */
const CHANNEL_CREDITS = 4;

/** How long a failed job waits for its subtasks to close before giving up on them. */
export const CLOSE_ON_FAILURE_MS = 5000;

export interface WorkerRuntimeOptions {
  graph: JobGraph;
  /** This worker's index; it runs subtask `worker` of every node whose parallelism exceeds it. */
  worker: number;
  transport?: Transport | undefined;
  signal: AbortSignal;
  log?: ((level: 'info' | 'warn' | 'error', message: string) => void) | undefined;
  /** Called with records that reached a collect sink (thread mode sends them to the coordinator). */
  onCollect?: ((sink: string, values: unknown[], timestamps: number[]) => void) | undefined;
  /** With checkpointing: where each subtask's part of a checkpoint goes. */
  onAck?: ((id: number, state: StoredSubtask, alignMs: number) => void) | undefined;
  /** The checkpoint to start from. */
  restore?: CompletedCheckpoint | undefined;
}

interface Downstream {
  edge: number;
  consumer: GraphNode;
  partitioning: Edge['partitioning'];
  /** Next target for rebalance. */
  rr: number;
}

/** A remote channel's send state: batches in flight and those waiting for credit. */
interface RemoteChannel {
  inFlight: number;
  queue: ExchangeMessage[];
}

/**
 * Runs subtask `worker` of every node of a job graph in this thread. Records move between local subtasks
 * by direct calls (a batch goes through a chain of operators in one synchronous loop) and to other
 * workers through the transport, with credit-based flow control per channel.
 */
export class WorkerRuntime {
  private readonly instances = new Map<number, Instance>();
  private readonly channels = new Map<string, RemoteChannel>();
  private readonly waiters: (() => void)[] = [];
  private readonly pendingAcks: { edge: number; to: number; node: number }[] = [];
  private failure: unknown;
  private failed!: (err: unknown) => void;
  readonly failedPromise: Promise<never>;
  private readonly descendants = new Map<number, Set<number>>();

  constructor(readonly options: WorkerRuntimeOptions) {
    this.failedPromise = new Promise<never>((_r, reject) => { this.failed = reject; });
    this.failedPromise.catch(() => {});
    const { graph, worker } = options;
    for (const node of graph.nodes) {
      if (worker < node.parallelism) this.instances.set(node.id, new Instance(this, node, worker));
    }
    for (const node of graph.nodes) {
      if (node.kind === 'source') continue;
      node.inputs.forEach((e, i) => {
        const up = this.instances.get(e.from);
        if (up) up.addDownstream(e, node, edgeId(node.id, i));
      });
    }
    for (const node of [...graph.nodes].reverse()) {
      const set = new Set<number>([node.id]);
      for (const other of graph.nodes) {
        if (other.kind !== 'source' && other.inputs.some((e) => e.from === node.id)) {
          for (const d of this.descendants.get(other.id) ?? []) set.add(d);
        }
      }
      this.descendants.set(node.id, set);
    }
    options.transport?.onMessage((from, msg) => this.onRemote(from, msg));
  }

  get worker(): number {
    return this.options.worker;
  }

  get graph(): JobGraph {
    return this.options.graph;
  }

  instance(nodeId: number): Instance | undefined {
    return this.instances.get(nodeId);
  }

  /** Opens every subtask, runs the sources to their end (or until aborted), and waits for the sinks. */
  async run(): Promise<NodeMetrics[]> {
    for (const inst of this.instances.values()) await inst.open();
    const all = [...this.instances.values()].map((i) => i.finished);
    for (const inst of this.instances.values()) if (inst.node.kind === 'source') void inst.runSource();
    const signal = this.options.signal;
    const aborted = new Promise<void>((r) => {
      if (signal.aborted) r();
      else signal.addEventListener('abort', () => r(), { once: true });
    });
    try {
      await Promise.race([Promise.all(all), this.failedPromise, aborted]);
    } catch (err) {
      await this.closeBounded();
      throw err;
    }
    if (signal.aborted) await this.closeBounded();
    else if (!this.options.graph.checkpointing) await this.close();
    return [...this.instances.values()].map((i) => i.metrics());
  }

  /** Live counters of every subtask in this thread. */
  metrics(): NodeMetrics[] {
    return [...this.instances.values()].map((i) => i.metrics());
  }

  get checkpointing(): boolean {
    return this.options.graph.checkpointing !== undefined;
  }

  /** Starts checkpoint `id`: sources inject barriers; finished subtasks report their final state at once. */
  triggerCheckpoint(id: number): void {
    for (const inst of this.instances.values()) inst.triggerCheckpoint(id);
  }

  /** Checkpoint `id` is durable: sinks commit what they pre-committed up to it. */
  async completeCheckpoint(id: number): Promise<void> {
    for (const inst of this.instances.values()) await inst.commitUpTo(id);
  }

  /** The final state of every (finished) subtask, for the final checkpoint. */
  finalStates(): StoredSubtask[] {
    return [...this.instances.values()].map((i) => packSubtask(i.snapshot()));
  }

  async close(): Promise<void> {
    for (const inst of this.instances.values()) await inst.close();
  }

  /**
   * A failed or cancelled job still closes its operators and sinks, so an open sink transaction is
   * aborted now instead of lingering until its timeout. Subtasks close side by side, each within
   * CLOSE_ON_FAILURE_MS: one that hangs (a model still loading, a stuck connection) must not keep a
   * sink from aborting. Each first waits a little for the batch it may still be working on.
   */
  private async closeBounded(): Promise<void> {
    await Promise.allSettled([...this.instances.values()].map((inst) => settleWithin(inst.closeWhenIdle(CLOSE_ON_FAILURE_MS / 2), CLOSE_ON_FAILURE_MS)));
  }

  acknowledge(id: number, state: SubtaskState, alignMs: number): void {
    // Serialised here, at once: the operators go on changing their live state after this call.
    if (this.options.onAck) this.options.onAck(id, packSubtask(state), alignMs);
  }

  fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.failed(err);
  }

  get hasFailed(): boolean {
    return this.failure !== undefined;
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    (this.options.log ?? defaultLog)(level, message);
  }

  // ---- remote channels -------------------------------------------------------------------------

  sendRemote(target: number, msg: ExchangeMessage): void {
    const transport = this.options.transport;
    if (!transport) throw new WeirError(`no transport to reach worker ${target}`, { domain: 'internal' });
    if (msg.t !== 'b') {
      // Control messages keep their place behind queued batches of the same channel.
      const ch = this.channels.get(`${msg.e}:${target}`);
      if (ch && ch.queue.length > 0) ch.queue.push(msg);
      else transport.send(target, msg);
      return;
    }
    const key = `${msg.e}:${target}`;
    let ch = this.channels.get(key);
    if (!ch) this.channels.set(key, (ch = { inFlight: 0, queue: [] }));
    if (ch.queue.length === 0 && ch.inFlight < CHANNEL_CREDITS) {
      ch.inFlight++;
      transport.send(target, msg);
    } else ch.queue.push(msg);
  }

  private onAck(edge: number, from: number): void {
    const ch = this.channels.get(`${edge}:${from}`);
    if (!ch) return;
    ch.inFlight--;
    const transport = this.options.transport!;
    while (ch.queue.length > 0) {
      const next = ch.queue[0]!;
      if (next.t === 'b') {
        if (ch.inFlight >= CHANNEL_CREDITS) break;
        ch.inFlight++;
      }
      ch.queue.shift();
      transport.send(from, next);
    }
    this.releaseWaiters();
  }

  /** True while a channel out of any node downstream of `nodeId` (itself included) has queued batches. */
  congestedBelow(nodeId: number): boolean {
    const below = this.descendants.get(nodeId)!;
    for (const [key, ch] of this.channels) {
      if (ch.queue.length === 0) continue;
      const consumer = Math.floor(Number(key.slice(0, key.indexOf(':'))) / 8);
      // The channel leaves a producer that is `consumer`'s input; it is below `nodeId` when its consumer is.
      if (below.has(consumer)) return true;
    }
    for (const id of below) if (this.instances.get(id)?.busy()) return true;
    return false;
  }

  /** Resolves once nothing below `nodeId` is congested: sources await it before reading more. */
  async writable(nodeId: number): Promise<void> {
    while (this.congestedBelow(nodeId) && !this.hasFailed && !this.options.signal.aborted) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  releaseWaiters(): void {
    if (this.pendingAcks.length > 0) {
      const still: typeof this.pendingAcks = [];
      for (const a of this.pendingAcks) {
        if (this.congestedBelow(a.node)) still.push(a);
        else this.options.transport!.send(a.to, { t: 'ack', e: a.edge, s: this.worker });
      }
      this.pendingAcks.length = 0;
      this.pendingAcks.push(...still);
    }
    const ws = this.waiters.splice(0, this.waiters.length);
    for (const w of ws) w();
  }

  private onRemote(from: number, msg: ExchangeMessage): void {
    if (this.hasFailed) return;
    if (msg.t === 'ack') {
      this.onAck(msg.e, from);
      return;
    }
    const node = Math.floor(msg.e / 8);
    const inst = this.instances.get(node);
    if (!inst) {
      this.fail(new WeirError(`worker ${this.worker} got a message for node #${node} it does not run`, { domain: 'internal' }));
      return;
    }
    try {
      switch (msg.t) {
        case 'b':
          inst.receiveBatch(msg.e, msg.s, { values: msg.v, timestamps: msg.ts, keys: msg.k });
          // The ack is the sender's credit: hold it while our own outputs are backed up.
          if (this.congestedBelow(node)) this.pendingAcks.push({ edge: msg.e, to: from, node });
          else this.options.transport!.send(from, { t: 'ack', e: msg.e, s: this.worker });
          break;
        case 'w':
          inst.receiveWatermark(msg.e, msg.s, msg.wm);
          break;
        case 'i':
          inst.receiveIdle(msg.e, msg.s, msg.idle);
          break;
        case 'end':
          inst.receiveEnd(msg.e, msg.s);
          break;
        case 'cb':
          inst.receiveBarrier(msg.e, msg.s, msg.id);
          break;
      }
    } catch (err) {
      this.fail(wrap(err, inst.node.name));
    }
  }
}

function defaultLog(level: 'info' | 'warn' | 'error', message: string): void {
  if (level === 'info') return;
  process.stderr.write(`weir ${level}: ${message}\n`);
}

/** One subtask of one node, with its operator, inputs and outputs. */
class Instance {
  private op: StreamOperator<any, any> | undefined;
  private op2: TwoInputStreamOperator<any, any, any> | undefined;
  private writer: SinkWriter<any> | undefined;
  private reader: SourceReader<any> | undefined;
  private readonly downstream: Downstream[] = [];
  private readonly sideDownstream = new Map<string, Downstream[]>();
  private readonly out: OutputBuffer<any>;
  /** Input channel index by `${edge}:${sender}`. */
  private readonly channelIndex = new Map<string, number>();
  private readonly channelInput: number[] = [];
  private combiner!: WatermarkCombiner;
  private ended = 0;
  private done = false;
  private finalWatermarkSent = false;
  private outWatermark = MIN_WATERMARK;
  private recordsIn = 0;
  private recordsOut = 0;
  private pendingWrites = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private resolveFinished!: () => void;
  readonly finished: Promise<void>;
  // Checkpoint alignment: channels that delivered the current barrier wait (their messages are buffered)
  // until every channel has delivered it or ended.
  private aligning: number | undefined;
  private alignStarted = 0;
  private blocked: boolean[] = [];
  private endedChannels: boolean[] = [];
  private buffered: (() => void)[] = [];
  private readonly pendingBarriers: number[] = [];
  private readonly acked = new Set<number>();
  private readonly triggered = new Set<number>();
  /** Sink committables pre-committed for checkpoints not yet complete, oldest first. */
  private pendingCommit: { id: number; committables: unknown }[] = [];
  private restoredState: SubtaskState | undefined;
  private asyncPending = false;
  private backendRef: KeyedStateBackend | undefined;

  constructor(private readonly rt: WorkerRuntime, readonly node: GraphNode, readonly subtask: number) {
    this.finished = new Promise((r) => { this.resolveFinished = r; });
    this.out = new OutputBuffer<any>(
      (batch) => this.emit(batch, this.downstream),
      (tag, value, ts) => {
        const ds = this.sideDownstream.get(tag);
        if (ds) this.emit({ values: [value], timestamps: [ts] }, ds);
      },
      (wm) => this.sendWatermark(wm),
    );
  }

  addDownstream(edge: Edge, consumer: GraphNode, id: number): void {
    const d: Downstream = { edge: id, consumer, partitioning: edge.partitioning, rr: this.subtask };
    if (edge.sideTag) {
      let list = this.sideDownstream.get(edge.sideTag);
      if (!list) this.sideDownstream.set(edge.sideTag, (list = []));
      list.push(d);
    } else this.downstream.push(d);
  }

  async open(): Promise<void> {
    const node = this.node;
    const graph = this.rt.graph;
    // Channels: one per (input edge, upstream subtask that can send on it).
    if (node.kind !== 'source') {
      node.inputs.forEach((e, inputIdx) => {
        const up = graph.nodes[e.from]!;
        const id = edgeId(node.id, inputIdx);
        const senders = isForward(e, up, node) ? [this.subtask] : range(up.parallelism);
        for (const s of senders) {
          this.channelIndex.set(`${id}:${s}`, this.channelInput.length);
          this.channelInput.push(inputIdx);
        }
      });
      this.combiner = new WatermarkCombiner(this.channelInput.length);
      this.blocked = new Array<boolean>(this.channelInput.length).fill(false);
      this.endedChannels = new Array<boolean>(this.channelInput.length).fill(false);
    }
    const stored = this.rt.options.restore?.subtasks.find((st) => st.node === node.id && st.subtask === this.subtask);
    this.restoredState = stored ? unpackSubtask(stored) : undefined;
    const restored = this.restoredState?.state;
    // Watermarks never go back, also across a restart: late-data decisions stay as they were.
    const wm = this.restoredState?.watermark;
    if (typeof wm === 'number' && wm > this.outWatermark) this.outWatermark = wm;
    const keyed = (node.kind === 'one' || node.kind === 'two') && node.keyed;
    this.backendRef = keyed ? await this.createBackend() : undefined;
    const ctx = this.context(this.backendRef);
    switch (node.kind) {
      case 'source':
        this.reader = node.source.createReader({ subtaskIndex: this.subtask, parallelism: node.parallelism, signal: this.rt.options.signal });
        await this.reader.open?.();
        if (restored !== undefined) {
          const { position: pos, watermark } = restored as { position?: unknown; watermark?: number };
          // Watermarks never go back, also across a restart: late-data decisions stay the same as without the failure.
          if (typeof watermark === 'number') this.outWatermark = watermark;
          if (pos !== undefined) {
            if (!this.reader.restorePosition) throw new WeirError(`source ${node.name} cannot resume from a checkpoint`, { domain: 'user', origin: node.name });
            this.reader.restorePosition(pos);
          }
        }
        break;
      case 'one':
        this.op = node.create();
        if (restored !== undefined) this.op.restoreState?.(restored);
        await this.op.open?.(ctx);
        break;
      case 'two':
        this.op2 = node.create();
        if (restored !== undefined) this.op2.restoreState?.(restored);
        await this.op2.open?.(ctx);
        break;
      case 'sink': {
        const collect = this.rt.options.onCollect;
        const sink = node.sink as { records?: unknown; name: string };
        if (collect && Array.isArray(sink.records)) {
          this.writer = { write: (b) => collect(node.name, b.values, b.timestamps) };
        } else this.writer = node.sink.createWriter({ subtaskIndex: this.subtask, parallelism: node.parallelism });
        if (this.restoredState) {
          if (restored !== undefined) this.writer.restoreState?.(restored);
          // What the restored checkpoint pre-committed may not have been committed before the crash:
          // commit it again (commits are idempotent).
          const c = this.restoredState.committables as { id: number; committables: unknown }[] | undefined;
          if (c && c.length > 0) await this.writer.commit?.(c.map((x) => x.committables));
        }
        break;
      }
    }
  }

  private async createBackend(): Promise<KeyedStateBackend> {
    const { maxParallelism, stateBackend } = this.rt.graph;
    if (stateBackend?.kind === 'lmdb') {
      // Loaded only when asked for: it brings a native module.
      const { LmdbKeyedStateBackend } = await import('../state/lmdb-backend.js');
      const dir = join(stateBackend.dir, `${this.node.id}-${this.subtask}`);
      return new LmdbKeyedStateBackend(dir, { maxParallelism, ...(stateBackend.cacheEntries ? { cacheEntries: stateBackend.cacheEntries } : {}) });
    }
    return new HeapKeyedStateBackend(maxParallelism);
  }

  private context(backend: KeyedStateBackend | undefined): OperatorContext {
    const node = this.node;
    const time: ProcessingTimeService = {
      now: () => Date.now(),
      scheduleAt: (t) => this.scheduleProcessingTime(t),
    };
    return {
      operatorName: node.name,
      subtaskIndex: this.subtask,
      parallelism: node.parallelism,
      maxParallelism: this.rt.graph.maxParallelism,
      processingTime: time,
      keyedState: backend,
      log: (level, message) => this.rt.log(level, `${node.name} (${this.subtask + 1}/${node.parallelism}): ${message}`),
    };
  }

  private scheduleProcessingTime(t: number): void {
    if (this.done || t >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = t;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      if (this.done || this.rt.hasFailed) return;
      this.guard(() => {
        const now = Date.now();
        if (this.op) this.op.onProcessingTime?.(now, this.out);
        else this.op2?.onProcessingTime?.(now, this.out);
        this.out.flush();
      });
    }, Math.max(0, t - Date.now()));
  }

  busy(): boolean {
    return this.pendingWrites > 0 || this.asyncPending;
  }

  // ---- input ---------------------------------------------------------------------------------------

  receiveBatch(edge: number, sender: number, batch: Batch<any>): void {
    if (this.held(edge, sender)) {
      this.buffered.push(() => this.receiveBatch(edge, sender, batch));
      return;
    }
    this.recordsIn += batch.values.length;
    const node = this.node;
    if (node.kind === 'sink') {
      const r = this.writer!.write(batch);
      if (r && typeof (r as Promise<void>).then === 'function') {
        this.pendingWrites++;
        (r as Promise<void>).then(
          () => { this.pendingWrites--; this.rt.releaseWaiters(); },
          (err) => this.rt.fail(wrap(err, node.name)),
        );
      }
      return;
    }
    let r: void | Promise<void>;
    try {
      if (this.op) r = this.op.processBatch(batch, this.out);
      else {
        const input = this.channelInput[this.channel(edge, sender)]!;
        if (input === 0) r = this.op2!.processBatch1(batch, this.out);
        else r = this.op2!.processBatch2(batch, this.out);
      }
      if (r === undefined) this.out.flush();
    } catch (err) {
      throw wrap(err, node.name);
    }
    if (r !== undefined) this.awaitOperator(r);
  }

  /**
   * An asynchronous operator (model scoring, lookups) returned a promise: everything after this batch on
   * every input waits until it settles, so order, watermarks and barriers stay as they were.
   */
  private awaitOperator(work: Promise<void>): void {
    this.asyncPending = true;
    work.then(
      () => {
        this.asyncPending = false;
        try {
          this.out.flush();
          this.replayHeld();
        } catch (err) {
          this.rt.fail(wrap(err, this.node.name));
        }
        this.rt.releaseWaiters();
      },
      (err: unknown) => this.rt.fail(wrap(err, this.node.name)),
    );
  }

  /** True while messages on this channel must wait: barrier alignment, or an asynchronous batch in progress. */
  private held(edge: number, sender: number): boolean {
    return this.asyncPending || (this.aligning !== undefined && this.blocked[this.channel(edge, sender)] === true);
  }

  private replayHeld(): void {
    const replay = this.buffered;
    this.buffered = [];
    for (let i = 0; i < replay.length; i++) {
      replay[i]!();
      if (this.asyncPending) {
        // Another asynchronous batch started: the rest waits for it, in order.
        this.buffered.push(...replay.slice(i + 1));
        return;
      }
    }
  }

  receiveWatermark(edge: number, sender: number, wm: number): void {
    if (this.held(edge, sender)) {
      this.buffered.push(() => this.receiveWatermark(edge, sender, wm));
      return;
    }
    const advanced = this.combiner.update(this.channel(edge, sender), wm);
    if (advanced !== undefined) this.advanceWatermark(advanced);
  }

  receiveIdle(edge: number, sender: number, idle: boolean): void {
    if (this.held(edge, sender)) {
      this.buffered.push(() => this.receiveIdle(edge, sender, idle));
      return;
    }
    const advanced = this.combiner.setIdle(this.channel(edge, sender), idle);
    if (advanced !== undefined) this.advanceWatermark(advanced);
    if (this.combiner.allIdle()) this.broadcastIdle(true);
    else if (!idle) this.broadcastIdle(false);
  }

  receiveEnd(edge: number, sender: number): void {
    const ch = this.channel(edge, sender);
    if (this.held(edge, sender)) {
      this.buffered.push(() => this.receiveEnd(edge, sender));
      return;
    }
    this.endedChannels[ch] = true;
    const advanced = this.combiner.update(ch, MAX_WATERMARK);
    if (advanced !== undefined) this.advanceWatermark(advanced);
    this.ended++;
    if (this.aligning !== undefined) this.checkAligned();
    else if (this.ended === this.channelInput.length) void this.finish();
  }

  // ---- checkpoints ---------------------------------------------------------------------------------

  receiveBarrier(edge: number, sender: number, id: number): void {
    const ch = this.channel(edge, sender);
    if (this.held(edge, sender)) {
      this.buffered.push(() => this.receiveBarrier(edge, sender, id));
      return;
    }
    if (this.acked.has(id)) return;
    if (this.aligning === undefined) {
      this.aligning = id;
      this.alignStarted = Date.now();
    } else if (id !== this.aligning) {
      // A newer checkpoint overtook an abandoned one: align on the newer one.
      if (id < this.aligning) return;
      this.aligning = id;
    }
    this.blocked[ch] = true;
    this.checkAligned();
  }

  private checkAligned(): void {
    const id = this.aligning;
    if (id === undefined) return;
    for (let i = 0; i < this.blocked.length; i++) if (!this.blocked[i] && !this.endedChannels[i]) return;
    void this.performCheckpoint(id);
  }

  private async performCheckpoint(id: number): Promise<void> {
    try {
      const alignMs = Date.now() - this.alignStarted;
      if (this.writer) await this.preCommit(id);
      this.acked.add(id);
      this.rt.acknowledge(id, this.snapshot(), alignMs);
      this.broadcastBarrier(id);
      this.aligning = undefined;
      this.blocked.fill(false);
      if (!this.asyncPending) this.replayHeld();
      if (this.aligning === undefined && this.ended === this.channelInput.length && !this.done) void this.finish();
    } catch (err) {
      this.rt.fail(wrap(err, this.node.name));
    }
  }

  private async preCommit(id: number): Promise<void> {
    const c = await this.writer?.preCommit?.(id);
    if (c !== undefined) this.pendingCommit.push({ id, committables: c });
  }

  private broadcastBarrier(id: number): void {
    this.broadcast((d, t) => {
      if (t === this.rt.worker) this.rt.instance(d.consumer.id)!.receiveBarrier(d.edge, this.subtask, id);
      else this.rt.sendRemote(t, { t: 'cb', e: d.edge, s: this.subtask, id });
    });
  }

  /** This subtask's part of a checkpoint. */
  snapshot(): SubtaskState {
    const st: SubtaskState = { node: this.node.id, name: this.node.name, subtask: this.subtask, watermark: this.outWatermark };
    if (this.reader) st.state = { position: this.reader.snapshotPosition?.(), watermark: this.outWatermark };
    else if (this.op) st.state = this.op.snapshotState?.();
    else if (this.op2) st.state = this.op2.snapshotState?.();
    else if (this.writer) {
      st.state = this.writer.snapshotState?.();
      st.committables = this.pendingCommit.slice();
    }
    return st;
  }

  triggerCheckpoint(id: number): void {
    this.triggered.add(id);
    if (this.done) {
      this.acked.add(id);
      this.rt.acknowledge(id, this.snapshot(), 0);
    } else if (this.node.kind === 'source') this.pendingBarriers.push(id);
  }

  /** Sources: take the checkpoints asked for, between two batches. */
  private injectBarriers(): void {
    while (this.pendingBarriers.length > 0) {
      const id = this.pendingBarriers.shift()!;
      this.acked.add(id);
      this.rt.acknowledge(id, this.snapshot(), 0);
      this.broadcastBarrier(id);
    }
  }

  async commitUpTo(id: number): Promise<void> {
    if (!this.writer || this.pendingCommit.length === 0) return;
    const due = this.pendingCommit.filter((p) => p.id <= id);
    if (due.length === 0) return;
    this.pendingCommit = this.pendingCommit.filter((p) => p.id > id);
    await this.writer.commit?.(due.map((p) => p.committables));
  }

  private channel(edge: number, sender: number): number {
    const i = this.channelIndex.get(`${edge}:${sender}`);
    if (i === undefined) throw new WeirError(`unexpected channel ${edge}:${sender} into ${this.node.name}`, { domain: 'internal' });
    return i;
  }

  private advanceWatermark(wm: number): void {
    if (this.node.kind === 'sink') return;
    try {
      if (this.op) this.op.onWatermark?.(wm, this.out);
      else this.op2?.onWatermark?.(wm, this.out);
      this.out.flush();
    } catch (err) {
      throw wrap(err, this.node.name);
    }
    if (!this.op?.generatesWatermarks || wm === MAX_WATERMARK) this.sendWatermark(wm);
  }

  private sendWatermark(wm: number): void {
    if (wm <= this.outWatermark) return;
    this.outWatermark = wm;
    if (wm === MAX_WATERMARK) this.finalWatermarkSent = true;
    this.broadcast((d, t) => {
      if (t === this.rt.worker) this.rt.instance(d.consumer.id)!.receiveWatermark(d.edge, this.subtask, wm);
      else this.rt.sendRemote(t, { t: 'w', e: d.edge, s: this.subtask, wm });
    });
  }

  private broadcastIdle(idle: boolean): void {
    this.broadcast((d, t) => {
      if (t === this.rt.worker) this.rt.instance(d.consumer.id)!.receiveIdle(d.edge, this.subtask, idle);
      else this.rt.sendRemote(t, { t: 'i', e: d.edge, s: this.subtask, idle });
    });
  }

  /** Calls `fn` for every channel out of this subtask (main and side outputs). */
  private broadcast(fn: (d: Downstream, target: number) => void): void {
    const visit = (list: Downstream[]) => {
      for (const d of list) {
        if (isForwardDown(d, this.node)) fn(d, this.subtask);
        else for (let t = 0; t < d.consumer.parallelism; t++) fn(d, t);
      }
    };
    visit(this.downstream);
    for (const list of this.sideDownstream.values()) visit(list);
  }

  // ---- output --------------------------------------------------------------------------------------

  private emit(batch: Batch<any>, list: Downstream[]): void {
    this.recordsOut += batch.values.length;
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      const p = d.consumer.parallelism;
      const part = d.partitioning;
      if (isForwardDown(d, this.node)) {
        this.deliver(d, this.subtask, batch);
      } else if (part.kind === 'hash') {
        const n = batch.values.length;
        const keys: Key[] = new Array(n);
        const sel = part.key;
        for (let j = 0; j < n; j++) keys[j] = normalizeKey(sel(batch.values[j]));
        if (p === 1) {
          this.deliver(d, 0, { values: batch.values, timestamps: batch.timestamps, keys });
          continue;
        }
        const maxP = this.rt.graph.maxParallelism;
        const parts: (Batch<any> & { keys: Key[] })[] = [];
        for (let j = 0; j < n; j++) {
          const t = subtaskForKey(keys[j]!, maxP, p);
          let b = parts[t];
          if (!b) parts[t] = b = { values: [], timestamps: [], keys: [] };
          b.values.push(batch.values[j]);
          b.timestamps.push(batch.timestamps[j]!);
          b.keys.push(keys[j]!);
        }
        for (let t = 0; t < p; t++) if (parts[t]) this.deliver(d, t, parts[t]!);
      } else if (part.kind === 'global') {
        this.deliver(d, 0, batch);
      } else if (part.kind === 'broadcast') {
        for (let t = 0; t < p; t++) this.deliver(d, t, batch);
      } else {
        d.rr = (d.rr + 1) % p;
        this.deliver(d, d.rr, batch);
      }
    }
  }

  private deliver(d: Downstream, target: number, batch: Batch<any>): void {
    if (target === this.rt.worker) {
      this.rt.instance(d.consumer.id)!.receiveBatch(d.edge, this.subtask, batch);
    } else {
      this.rt.sendRemote(target, { t: 'b', e: d.edge, s: this.subtask, v: batch.values, ts: batch.timestamps, k: batch.keys });
    }
  }

  // ---- sources -------------------------------------------------------------------------------------

  async runSource(): Promise<void> {
    const node = this.node;
    if (node.kind !== 'source') return;
    const reader = this.reader!;
    const strategy = node.watermarks;
    const assign = strategy?.timestampAssigner;
    const generators = new Map<string | number, { gen: WatermarkGenerator<any>; lastActive: number; idle: boolean }>();
    const splitState = (split: string | number) => {
      let s = generators.get(split);
      if (!s && strategy) generators.set(split, (s = { gen: strategy.createGenerator(), lastActive: Date.now(), idle: false }));
      return s;
    };
    for (const split of reader.splits?.() ?? []) splitState(split);
    const signal = this.rt.options.signal;
    const batchSize = this.rt.graph.batchSize;
    let idleSent = false;
    try {
      while (!signal.aborted && !this.rt.hasFailed) {
        this.injectBarriers();
        await this.rt.writable(node.id);
        // Let messages and timers of this thread run between batches.
        await new Promise<void>((r) => setImmediate(r));
        if (signal.aborted || this.rt.hasFailed) break;
        const polled = await reader.poll(batchSize);
        if (polled === null) break;
        const { batch } = polled;
        const n = batch.values.length;
        if (n > 0) {
          if (assign) {
            const ts = batch.timestamps;
            for (let i = 0; i < n; i++) ts[i] = assign(batch.values[i], ts[i]!);
          }
          if (strategy) {
            const s = splitState(polled.split ?? 0)!;
            s.lastActive = Date.now();
            s.idle = false;
            const ts = batch.timestamps;
            for (let i = 0; i < n; i++) {
              if (ts[i] === NO_TIMESTAMP) {
                throw new WeirError(`record ${JSON.stringify(batch.values[i])?.slice(0, 200)} has no timestamp`, {
                  domain: 'user', origin: node.name,
                  hint: 'give the watermark strategy a timestamp assigner (withTimestampAssigner), or use a source that sets timestamps',
                });
              }
              s.gen.onEvent(batch.values[i], ts[i]!);
            }
          }
          this.recordsIn += n;
          this.out.emitBatch(batch);
        }
        if (strategy) {
          const now = Date.now();
          let min = Number.POSITIVE_INFINITY;
          let active = 0;
          for (const s of generators.values()) {
            if (strategy.idleTimeoutMs !== undefined && now - s.lastActive >= strategy.idleTimeoutMs) s.idle = true;
            if (s.idle) continue;
            active++;
            const w = s.gen.currentWatermark();
            if (w < min) min = w;
          }
          if (active === 0 && generators.size > 0) {
            if (!idleSent) { this.broadcastIdle(true); idleSent = true; }
          } else {
            if (idleSent) { this.broadcastIdle(false); idleSent = false; }
            if (min !== Number.POSITIVE_INFINITY && min > this.outWatermark) this.sendWatermark(min);
          }
        }
      }
      this.injectBarriers();
      if (!this.rt.hasFailed && !signal.aborted) await this.finish();
      else this.markDone();
    } catch (err) {
      this.rt.fail(wrap(err, node.name));
    }
  }

  // ---- end -----------------------------------------------------------------------------------------

  private async finish(): Promise<void> {
    if (this.done) return;
    try {
      if (!this.finalWatermarkSent && this.node.kind !== 'sink') {
        if (this.node.kind !== 'source' && this.combiner.current !== MAX_WATERMARK) this.advanceWatermark(MAX_WATERMARK);
        else if (this.node.kind === 'source') this.sendWatermark(MAX_WATERMARK);
      }
      if (this.op) this.op.endInput?.(this.out);
      else this.op2?.endInput?.(this.out);
      this.out.flush();
      if (!this.finalWatermarkSent && this.node.kind !== 'sink') this.sendWatermark(MAX_WATERMARK);
      this.broadcast((d, t) => {
        if (t === this.rt.worker) this.rt.instance(d.consumer.id)!.receiveEnd(d.edge, this.subtask);
        else this.rt.sendRemote(t, { t: 'end', e: d.edge, s: this.subtask });
      });
      if (this.writer) {
        while (this.pendingWrites > 0 && !this.rt.hasFailed) await new Promise((r) => setTimeout(r, 1));
        // With checkpoints, the end of input is one more pre-commit: the final checkpoint commits it.
        if (this.rt.checkpointing && this.writer.preCommit) await this.preCommit(Number.MAX_SAFE_INTEGER);
        else await this.writer.finish?.();
      }
      this.markDone();
      // Checkpoints asked for that this subtask can no longer see barriers of: report the final state.
      for (const id of this.triggered) {
        if (!this.acked.has(id)) {
          this.acked.add(id);
          this.rt.acknowledge(id, this.snapshot(), 0);
        }
      }
    } catch (err) {
      this.rt.fail(wrap(err, this.node.name));
    }
  }

  private markDone(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolveFinished();
  }

  /** Closes once no batch is in progress here (operator or sink write), or after `waitMs` regardless. */
  async closeWhenIdle(waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    while (this.busy() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await this.close();
  }

  async close(): Promise<void> {
    this.markDone();
    // Each part is closed even when an earlier one fails: a sink must still abort its transaction.
    const parts = [() => this.op?.close?.(), () => this.backendRef?.close?.(), () => this.op2?.close?.(),
      () => this.writer?.close?.(), () => this.reader?.close?.()];
    for (const close of parts) {
      try {
        await close();
      } catch (err) {
        this.rt.log('warn', `closing ${this.node.name} failed: ${errorMessage(err)}`);
      }
    }
  }

  /** Runs operator code, turning a throw into a job failure that names the operator. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.rt.fail(wrap(err, this.node.name));
    }
  }

  metrics(): NodeMetrics {
    const op = this.op as { droppedLate?: number } | undefined;
    return {
      node: this.node.id, name: this.node.name, subtask: this.subtask,
      recordsIn: this.recordsIn, recordsOut: this.recordsOut,
      lateDropped: op?.droppedLate,
    };
  }
}

/**
 * Resolves when `work` settles or after `ms`, whichever is first. The timer keeps the process alive
 * meanwhile (a hung close must not let a failed job exit before it reports) and is cleared after.
 */
export function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => { clearTimeout(timer); resolve(); };
    work.then(done, done);
  });
}

function wrap(err: unknown, origin: string): unknown {
  if (err instanceof WeirError) {
    if (err.origin) return err;
    return new WeirError(err.message, { domain: err.domain, retriable: err.retriable, cause: err.cause, origin, hint: err.hint });
  }
  return new WeirError(`${origin} failed: ${errorMessage(err)}`, { domain: 'user', cause: err, origin });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function isForward(e: Edge, up: GraphNode, down: GraphNode): boolean {
  return e.partitioning.kind === 'forward' && up.parallelism === down.parallelism;
}

function isForwardDown(d: Downstream, self: GraphNode): boolean {
  return d.partitioning.kind === 'forward' && d.consumer.parallelism === self.parallelism;
}
