import type { Batch } from '../core/batch.js';
import type { Key, KeyLike } from '../core/keys.js';
import { keyGroupOf as keyGroupOfKey, normalizeKey } from '../core/keys.js';
import { MIN_WATERMARK } from '../core/time.js';
import { WeirError } from '../core/errors.js';
import { VOID_NAMESPACE } from '../state/heap-backend.js';
import type { KeyedStateBackend } from '../state/heap-backend.js';
import type { KeyedStateSnapshot, Namespace } from '../state/heap-backend.js';
import { TimerQueue } from '../state/timers.js';
import type { TimerQueueSnapshot } from '../state/timers.js';
import type { OperatorContext, Output, StreamOperator } from './operator.js';

export interface KeyedOperatorSnapshot {
  version: 1;
  state: KeyedStateSnapshot;
  eventTimers: TimerQueueSnapshot;
  processingTimers: TimerQueueSnapshot;
  /** The operator's watermark, so lateness is judged the same after a restore. */
  watermark?: number;
  extra?: unknown;
}

/**
 * What one- and two-input keyed operators share: keyed state, event-time and processing-time timers
 * scoped to (key, namespace), the current watermark, and snapshots of all three. Subclasses add how
 * records arrive and implement `onTimer`.
 */
export abstract class KeyedCore<OUT> {
  abstract readonly name: string;
  protected ctx!: OperatorContext;
  protected backend!: KeyedStateBackend;
  protected readonly eventTimers = new TimerQueue();
  protected readonly processingTimers = new TimerQueue();
  protected currentWatermark = MIN_WATERMARK;
  private pendingRestore: KeyedOperatorSnapshot | undefined;
  /** What `open` says when the input is not keyed. */
  protected readonly notKeyed = { message: 'needs a keyed stream', hint: 'call keyBy(...) before this operator' };

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    if (!ctx.keyedState) {
      throw new WeirError(`${this.name} ${this.notKeyed.message}`, {
        domain: 'user', origin: this.name, hint: this.notKeyed.hint,
      });
    }
    this.backend = ctx.keyedState;
    if (this.pendingRestore) {
      this.applyRestore(this.pendingRestore);
      this.pendingRestore = undefined;
    }
    this.openKeyed();
  }

  /** Where subclasses create their state handles. */
  protected openKeyed(): void {}

  /** A timer fired; the current key is already set to `key`. */
  protected abstract onTimer(time: number, key: Key, namespace: Namespace, kind: 'event' | 'processing', out: Output<OUT>): void;

  /** The key of record `i` of a batch: from the exchange when it supplied keys, else from the selector. */
  protected keyOf<T>(batch: Batch<T>, i: number, selector: ((value: T) => KeyLike) | undefined): Key {
    if (batch.keys) return batch.keys[i]!;
    if (!selector) {
      throw new WeirError(`${this.name} received a batch without keys`, { domain: 'internal', origin: this.name });
    }
    return normalizeKey(selector(batch.values[i]!));
  }

  onWatermark(watermark: number, out: Output<OUT>): void {
    // After a restore, upstream watermarks start low again; the operator's own restored one stands.
    if (watermark <= this.currentWatermark) return;
    this.currentWatermark = watermark;
    this.eventTimers.advance(watermark, (t, key, ns) => {
      this.backend.setCurrentKey(key);
      this.onTimer(t, key, ns, 'event', out);
    });
  }

  onProcessingTime(now: number, out: Output<OUT>): void {
    this.processingTimers.advance(now, (t, key, ns) => {
      this.backend.setCurrentKey(key);
      this.onTimer(t, key, ns, 'processing', out);
    });
    this.scheduleNextProcessingTimer();
  }

  protected registerEventTimer(time: number, key: Key, ns: Namespace = VOID_NAMESPACE): void {
    this.eventTimers.register(time, key, ns);
  }

  protected registerProcessingTimer(time: number, key: Key, ns: Namespace = VOID_NAMESPACE): void {
    const before = this.processingTimers.peekTime();
    this.processingTimers.register(time, key, ns);
    if (time < before) this.ctx.processingTime.scheduleAt(time);
  }

  protected scheduleNextProcessingTimer(): void {
    const next = this.processingTimers.peekTime();
    if (next !== Number.POSITIVE_INFINITY) this.ctx.processingTime.scheduleAt(next);
  }

  /** Timers waiting to fire, for tests and metrics. */
  timerCounts(): { event: number; processing: number } {
    return { event: this.eventTimers.size, processing: this.processingTimers.size };
  }

  /** Extra operator state beyond keyed state and timers (e.g. a window operator's bookkeeping). */
  protected snapshotExtra(): unknown {
    return undefined;
  }
  protected restoreExtra(_extra: unknown): void {}

  snapshotState(): KeyedOperatorSnapshot {
    return {
      version: 1,
      state: this.backend.snapshot(),
      eventTimers: this.eventTimers.snapshot(),
      processingTimers: this.processingTimers.snapshot(),
      watermark: this.currentWatermark,
      extra: this.snapshotExtra(),
    };
  }

  restoreState(snapshot: unknown): void {
    // State may arrive before open(): keep it until the backend exists.
    if (this.backend) this.applyRestore(snapshot as KeyedOperatorSnapshot);
    else this.pendingRestore = snapshot as KeyedOperatorSnapshot;
  }

  private applyRestore(s: KeyedOperatorSnapshot): void {
    const { subtaskIndex, parallelism, maxParallelism } = this.ctx;
    const owns = (kg: number) => Math.floor((kg * parallelism) / maxParallelism) === subtaskIndex;
    this.backend.restore(s.state, owns);
    const keep = (k: Key) => owns(keyGroupOfKey(k, maxParallelism));
    this.eventTimers.restore(s.eventTimers, keep);
    this.processingTimers.restore(s.processingTimers, keep);
    if (typeof s.watermark === 'number') this.currentWatermark = s.watermark;
    this.restoreExtra(s.extra);
    this.scheduleNextProcessingTimer();
  }
}

/** The base of one-input operators on keyed streams. Subclasses implement `processBatch` and `onTimer`. */
export abstract class KeyedOperatorBase<IN, OUT> extends KeyedCore<OUT> implements StreamOperator<IN, OUT> {
  constructor(protected readonly keySelector?: (value: IN) => KeyLike) {
    super();
  }

  abstract processBatch(batch: Batch<IN>, out: Output<OUT>): void;

  /** The key of record `i` of a batch: from the exchange when it supplied keys, else from the selector. */
  protected keyAt(batch: Batch<IN>, i: number): Key {
    return this.keyOf(batch, i, this.keySelector);
  }
}
