import type { Batch } from '../core/batch.js';
import type { Key, KeyLike } from '../core/keys.js';
import { WeirError } from '../core/errors.js';
import type { Namespace } from '../state/heap-backend.js';
import type { MapState } from '../state/descriptors.js';
import { mapState } from '../state/descriptors.js';
import { KeyedTwoInputBase } from './co-process.js';
import type { Collector, Output, OutputTag } from './operator.js';

export interface ProcessJoinContext {
  readonly leftTimestamp: number;
  readonly rightTimestamp: number;
  /** max(left, right): the timestamp of the joined record. */
  readonly timestamp: number;
}

export interface IntervalJoinOptions<L, R, OUT> {
  /** Right may be this much (ms, usually negative) after the left's timestamp at the earliest. */
  lowerBound: number;
  upperBound: number;
  lowerBoundExclusive?: boolean;
  upperBoundExclusive?: boolean;
  join: (left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>) => void;
  leftKey?: (v: L) => KeyLike;
  rightKey?: (v: R) => KeyLike;
  /** Records later than the watermark cannot join any more; they go here (else they are counted and logged). */
  lateLeft?: OutputTag<L> | undefined;
  lateRight?: OutputTag<R> | undefined;
}

/**
 * Flink's interval join: joins `left` and `right` of the same key when
 * `left.ts + lowerBound <= right.ts <= left.ts + upperBound`. Each side is buffered by timestamp and freed
 * once the watermark shows no partner can arrive any more.
 */
export class IntervalJoinOperator<L, R, OUT> extends KeyedTwoInputBase<L, R, OUT> {
  readonly name = 'interval-join';
  private left!: MapState<number, L[]>;
  private right!: MapState<number, R[]>;
  private readonly lower: number;
  private readonly upper: number;
  /** Late records with no side output to go to. */
  droppedLate = 0;
  private warned = false;

  constructor(private readonly options: IntervalJoinOptions<L, R, OUT>) {
    super(options.leftKey, options.rightKey);
    this.lower = options.lowerBoundExclusive ? options.lowerBound + 1 : options.lowerBound;
    this.upper = options.upperBoundExclusive ? options.upperBound - 1 : options.upperBound;
    if (this.lower > this.upper) {
      throw new WeirError(`interval join bounds are empty: lower ${options.lowerBound} > upper ${options.upperBound}`, {
        domain: 'user', hint: 'between(lower, upper) needs lower <= upper',
      });
    }
  }

  protected override openKeyed(): void {
    this.left = this.backend.getMapState(mapState<number, L[]>('interval-join-left'));
    this.right = this.backend.getMapState(mapState<number, R[]>('interval-join-right'));
  }

  processBatch1(batch: Batch<L>, out: Output<OUT>): void {
    for (let i = 0; i < batch.values.length; i++) {
      const key = this.keyOf(batch, i, this.options.leftKey);
      this.backend.setCurrentKey(key);
      const v = batch.values[i]!;
      const ts = batch.timestamps[i]!;
      if (ts < this.currentWatermark) { this.late(out, this.options.lateLeft, v, ts); continue; }
      addTo(this.left, ts, v);
      for (const [rts, rs] of this.right.entries()) {
        if (rts < ts + this.lower || rts > ts + this.upper) continue;
        for (const r of rs) this.emit(v, ts, r, rts, out);
      }
      const cleanup = this.upper > 0 ? ts + this.upper : ts;
      this.eventTimers.register(cleanup, key, `L${ts}`);
    }
  }

  processBatch2(batch: Batch<R>, out: Output<OUT>): void {
    for (let i = 0; i < batch.values.length; i++) {
      const key = this.keyOf(batch, i, this.options.rightKey);
      this.backend.setCurrentKey(key);
      const v = batch.values[i]!;
      const ts = batch.timestamps[i]!;
      if (ts < this.currentWatermark) { this.late(out, this.options.lateRight, v, ts); continue; }
      addTo(this.right, ts, v);
      for (const [lts, ls] of this.left.entries()) {
        if (ts < lts + this.lower || ts > lts + this.upper) continue;
        for (const l of ls) this.emit(l, lts, v, ts, out);
      }
      const cleanup = this.lower < 0 ? ts - this.lower : ts;
      this.eventTimers.register(cleanup, key, `R${ts}`);
    }
  }

  private emit(l: L, lts: number, r: R, rts: number, out: Output<OUT>): void {
    const ts = Math.max(lts, rts);
    this.options.join(l, r, { leftTimestamp: lts, rightTimestamp: rts, timestamp: ts }, { collect: (v, t) => out.emit(v, t ?? ts) });
  }

  private late<T>(out: Output<OUT>, tag: OutputTag<T> | undefined, v: T, ts: number): void {
    if (tag) { out.emitSide(tag, v, ts); return; }
    this.droppedLate++;
    if (!this.warned) {
      this.warned = true;
      this.ctx.log('warn', 'a record arrived after the watermark and cannot join any more; it is counted in lateDropped. Give the join a late-data side output to keep such records.');
    }
  }

  protected onTimer(_time: number, _key: Key, ns: Namespace, _kind: 'event' | 'processing'): void {
    const s = String(ns);
    const ts = Number(s.slice(1));
    if (s[0] === 'L') this.left.remove(ts);
    else this.right.remove(ts);
  }
}

function addTo<T>(state: MapState<number, T[]>, ts: number, v: T): void {
  const list = state.get(ts);
  if (list) list.push(v);
  else state.put(ts, [v]);
}
