import type { Batch } from '../../core/batch.js';
import type { Key, KeyLike } from '../../core/keys.js';
import type { Namespace } from '../../state/heap-backend.js';
import type { ValueState } from '../../state/descriptors.js';
import { valueState } from '../../state/descriptors.js';
import { KeyedTwoInputBase } from '../../operators/co-process.js';
import type { Output } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';
import type { RowFn } from './calc.js';

interface SideState {
  /** Cached rows by event time. */
  rows: Map<number, Row[]>;
  /** The pending clean-up timer of this side, if any. */
  timer: number | null;
}

export interface SqlIntervalJoinOptions {
  /** `lower <= right.ts - left.ts <= upper`, in ms. */
  lower: number;
  upper: number;
  leftKey: (r: Row) => KeyLike;
  rightKey: (r: Row) => KeyLike;
  condition?: RowFn | undefined;
}

/**
 * The SQL time-bounded inner join, with Flink's TimeIntervalJoin rules rather than the DataStream
 * interval join's: a row that arrives behind the watermark is not dropped but still joins the rows of
 * the other side that are cached; each side is cleaned up lazily, by a timer per key that fires
 * half the interval after rows can no longer match (Flink's `minCleanUpInterval`), and when a new
 * row scans the other side. The result is the same rows Flink emits, late rows included.
 */
export class SqlIntervalJoinOperator extends KeyedTwoInputBase<Row, Row, Row> {
  readonly name = 'interval-join';
  private left!: ValueState<SideState>;
  private right!: ValueState<SideState>;
  /** How far a right row may be after / before a left row. */
  private readonly leftRelativeSize: number;
  private readonly rightRelativeSize: number;
  private readonly minCleanUp: number;
  // Operator-wide, as in Flink: the time up to which the other side's rows are known to be expired.
  private leftExpiration = 0;
  private rightExpiration = 0;

  constructor(private readonly o: SqlIntervalJoinOptions) {
    super(o.leftKey, o.rightKey);
    this.leftRelativeSize = o.upper;
    this.rightRelativeSize = -o.lower;
    this.minCleanUp = Math.trunc((this.leftRelativeSize + this.rightRelativeSize) / 2);
  }

  protected override openKeyed(): void {
    this.left = this.backend.getValueState(valueState<SideState>('interval-left'));
    this.right = this.backend.getValueState(valueState<SideState>('interval-right'));
  }

  private operatorTime(): number {
    return this.currentWatermark > 0 ? this.currentWatermark : 0;
  }

  private side(s: ValueState<SideState>): SideState {
    let v = s.value();
    if (!v) { v = { rows: new Map(), timer: null }; s.update(v); }
    return v;
  }

  processBatch1(batch: Batch<Row>, out: Output<Row>): void {
    this.process(batch, out, true);
  }

  processBatch2(batch: Batch<Row>, out: Output<Row>): void {
    this.process(batch, out, false);
  }

  private process(batch: Batch<Row>, out: Output<Row>, isLeft: boolean): void {
    const opTime = this.operatorTime();
    // For a row of this side: the other side's qualifying times are [t - before, t + after].
    const before = isLeft ? this.rightRelativeSize : this.leftRelativeSize;
    const after = isLeft ? this.leftRelativeSize : this.rightRelativeSize;
    for (let i = 0; i < batch.values.length; i++) {
      const row = batch.values[i]!;
      const t = batch.timestamps[i]!;
      const key = this.keyOf(batch, i, isLeft ? this.o.leftKey : this.o.rightKey);
      this.backend.setCurrentKey(key);
      const mine = this.side(isLeft ? this.left : this.right);
      const other = this.side(isLeft ? this.right : this.left);
      const lo = t - before;
      const hi = t + after;
      const otherExpiration = isLeft ? this.rightExpiration : this.leftExpiration;
      if (otherExpiration < hi) {
        const exp = opTime - before - 1;
        if (isLeft) this.rightExpiration = exp; else this.leftExpiration = exp;
        for (const [ts, rows] of other.rows) {
          if (ts >= lo && ts <= hi) {
            for (const r of rows) this.emit(isLeft ? row : r, isLeft ? r : row, Math.max(t, ts), out);
          }
          if (ts <= exp) other.rows.delete(ts);
        }
      }
      if (opTime < hi) {
        const list = mine.rows.get(t);
        if (list) list.push(row); else mine.rows.set(t, [row]);
        if (mine.timer === null) {
          mine.timer = t + after + this.minCleanUp + 1;
          this.registerEventTimer(mine.timer, key, isLeft ? 'L' : 'R');
        }
      }
    }
  }

  private emit(l: Row, r: Row, ts: number, out: Output<Row>): void {
    const row = [...l, ...r];
    if (!this.o.condition || this.o.condition(row) === true) out.emit(row, ts);
  }

  protected onTimer(time: number, key: Key, ns: Namespace, kind: 'event' | 'processing', _out: Output<Row>): void {
    if (kind !== 'event') return;
    const isLeft = ns === 'L';
    const st = this.side(isLeft ? this.left : this.right);
    if (st.timer !== time) return;
    const after = isLeft ? this.leftRelativeSize : this.rightRelativeSize;
    const expiration = this.operatorTime() - after - 1;
    let earliest = Number.POSITIVE_INFINITY;
    for (const ts of [...st.rows.keys()]) {
      if (ts <= expiration) st.rows.delete(ts);
      else if (ts < earliest) earliest = ts;
    }
    st.timer = null;
    if (earliest !== Number.POSITIVE_INFINITY) {
      st.timer = earliest + after + this.minCleanUp + 1;
      this.registerEventTimer(st.timer, key, ns);
    }
  }
}
