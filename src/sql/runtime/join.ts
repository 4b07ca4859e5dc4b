import type { Batch } from '../../core/batch.js';
import type { Key, KeyLike } from '../../core/keys.js';
import { NO_TIMESTAMP } from '../../core/time.js';
import type { Namespace } from '../../state/heap-backend.js';
import type { ValueState } from '../../state/descriptors.js';
import { valueState } from '../../state/descriptors.js';
import { KeyedTwoInputBase } from '../../operators/co-process.js';
import type { Output } from '../../operators/operator.js';
import type { ChangeRow, Row, RowKind } from '../../connectors/registry.js';
import { valuesEqual } from '../types/compare.js';
import type { RowFn } from './calc.js';

export type JoinKind = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';

/** A row kept in join state, with how many rows of the other side it currently joins with. */
interface Entry {
  row: Row;
  matches: number;
}

export interface JoinOptions {
  kind: JoinKind;
  leftWidth: number;
  rightWidth: number;
  /** Residual condition on the joined row (`left ++ right`), beyond the equality of the keys. */
  condition?: RowFn | undefined;
  leftKey: (v: Row | ChangeRow) => KeyLike;
  rightKey: (v: Row | ChangeRow) => KeyLike;
  leftChangelog: boolean;
  rightChangelog: boolean;
  /** Emit plain rows instead of change rows (an inner join of insert-only inputs). */
  appendOnly: boolean;
}

function sameRow(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || x === undefined || y === null || y === undefined ? (x ?? null) !== (y ?? null) : !valuesEqual(x, y)) return false;
  }
  return true;
}

/**
 * A regular (unbounded) equi-join of two streams, Flink's StreamingJoinOperator: both sides are kept
 * in keyed state; a new row joins every stored row of the other side. Outer joins emit the row padded
 * with NULLs while it has no partner, and retract that padded row (`-D`) once a partner arrives.
 * Retractions on either input retract the joined rows they produced.
 */
export class RegularJoinOperator extends KeyedTwoInputBase<Row | ChangeRow, Row | ChangeRow, Row | ChangeRow> {
  readonly name: string;
  private left!: ValueState<Entry[]>;
  private right!: ValueState<Entry[]>;
  private readonly leftNulls: Row;
  private readonly rightNulls: Row;

  constructor(private readonly o: JoinOptions) {
    super(o.leftKey, o.rightKey);
    this.name = `join(${o.kind})`;
    this.leftNulls = new Array<unknown>(o.leftWidth).fill(null);
    this.rightNulls = new Array<unknown>(o.rightWidth).fill(null);
  }

  protected override openKeyed(): void {
    this.left = this.backend.getValueState(valueState<Entry[]>('join-left'));
    this.right = this.backend.getValueState(valueState<Entry[]>('join-right'));
  }

  processBatch1(batch: Batch<Row | ChangeRow>, out: Output<Row | ChangeRow>): void {
    this.side(batch, out, true);
  }

  processBatch2(batch: Batch<Row | ChangeRow>, out: Output<Row | ChangeRow>): void {
    this.side(batch, out, false);
  }

  private emit(out: Output<Row | ChangeRow>, op: RowKind, row: Row): void {
    out.emit(this.o.appendOnly ? row : { op, row }, NO_TIMESTAMP);
  }

  private side(batch: Batch<Row | ChangeRow>, out: Output<Row | ChangeRow>, isLeft: boolean): void {
    const o = this.o;
    const changelog = isLeft ? o.leftChangelog : o.rightChangelog;
    const mine = isLeft ? this.left : this.right;
    const other = isLeft ? this.right : this.left;
    const myOuter = isLeft ? o.kind === 'LEFT' || o.kind === 'FULL' : o.kind === 'RIGHT' || o.kind === 'FULL';
    const otherOuter = isLeft ? o.kind === 'RIGHT' || o.kind === 'FULL' : o.kind === 'LEFT' || o.kind === 'FULL';
    const joined = (me: Row, them: Row): Row => (isLeft ? [...me, ...them] : [...them, ...me]);
    const padMe = (me: Row): Row => (isLeft ? [...me, ...this.rightNulls] : [...this.leftNulls, ...me]);
    const padThem = (them: Row): Row => (isLeft ? [...this.leftNulls, ...them] : [...them, ...this.rightNulls]);
    for (let i = 0; i < batch.values.length; i++) {
      const v = batch.values[i]!;
      this.backend.setCurrentKey(this.keyOf(batch, i, isLeft ? o.leftKey : o.rightKey));
      const row = changelog ? (v as ChangeRow).row : (v as Row);
      const retract = changelog && ((v as ChangeRow).op === '-U' || (v as ChangeRow).op === '-D');
      const mineList = mine.value() ?? [];
      const otherList = other.value() ?? [];
      const matches: Entry[] = [];
      for (const e of otherList) {
        if (!o.condition || o.condition(joined(row, e.row)) === true) matches.push(e);
      }
      if (!retract) {
        for (const e of matches) {
          if (otherOuter && e.matches === 0) this.emit(out, '-D', padThem(e.row));
          e.matches++;
          this.emit(out, '+I', joined(row, e.row));
        }
        if (matches.length === 0 && myOuter) this.emit(out, '+I', padMe(row));
        mineList.push({ row, matches: matches.length });
        mine.update(mineList);
        if (matches.length > 0) other.update(otherList);
      } else {
        const at = mineList.findIndex((e) => sameRow(e.row, row));
        if (at < 0) continue;
        mineList.splice(at, 1);
        if (mineList.length === 0) mine.clear();
        else mine.update(mineList);
        for (const e of matches) {
          this.emit(out, '-D', joined(row, e.row));
          e.matches--;
          if (otherOuter && e.matches === 0) this.emit(out, '+I', padThem(e.row));
        }
        if (matches.length === 0 && myOuter) this.emit(out, '-D', padMe(row));
        if (matches.length > 0) other.update(otherList);
      }
    }
  }

  protected onTimer(_t: number, _k: Key, _ns: Namespace, _kind: 'event' | 'processing', _out: Output<Row | ChangeRow>): void {}
}
