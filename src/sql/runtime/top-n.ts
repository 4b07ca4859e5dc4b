import type { Batch } from '../../core/batch.js';
import type { Key } from '../../core/keys.js';
import { NO_TIMESTAMP } from '../../core/time.js';
import type { Namespace } from '../../state/heap-backend.js';
import type { ValueState } from '../../state/descriptors.js';
import { valueState } from '../../state/descriptors.js';
import { KeyedOperatorBase } from '../../operators/keyed-base.js';
import type { Output } from '../../operators/operator.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import { compareValues, valuesEqual } from '../types/compare.js';
import type { RowFn } from './calc.js';

export interface SortKey {
  fn: RowFn;
  desc: boolean;
  /** NULLs sort first unless this is set. */
  nullsLast: boolean;
}

interface Entry { row: Row; keys: unknown[] }

/**
 * Top-N per partition (`ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) <= N`), also deduplication
 * (N = 1). Keeps the partition's rows in order and emits a changelog of `row ++ [rank]`: when a row
 * enters the top N, the ranks that moved are retracted and re-emitted. With an insert-only input,
 * rows that fall out of the top N are forgotten (they can never come back).
 */
export class TopNOperator extends KeyedOperatorBase<Row | ChangeRow, ChangeRow> {
  readonly name = 'top-n';
  private state!: ValueState<Entry[]>;

  constructor(
    private readonly sort: SortKey[],
    private readonly limit: number,
    private readonly changelogInput: boolean,
    /** A new row replaces an equal-ranked one (keep the last row, e.g. dedup ORDER BY time DESC). */
    private readonly newWinsTies: boolean,
    /**
     * Window Top-N over window TVF rows: the row's window end. As Flink's window rank operator, a
     * row whose window has already fired (`end - 1 <= watermark`) is late and dropped.
     */
    private readonly windowEnd?: RowFn,
  ) {
    super();
  }

  protected override openKeyed(): void {
    this.state = this.backend.getValueState(valueState<Entry[]>('top-n'));
  }

  private compare(a: unknown[], b: unknown[]): number {
    for (let i = 0; i < this.sort.length; i++) {
      const s = this.sort[i]!;
      const x = a[i];
      const y = b[i];
      let c: number;
      if (x === null || x === undefined || y === null || y === undefined) {
        const xn = x === null || x === undefined;
        const yn = y === null || y === undefined;
        c = xn && yn ? 0 : xn ? (s.nullsLast ? 1 : -1) : (s.nullsLast ? -1 : 1);
        if (c !== 0) return c;
        continue;
      }
      c = compareValues(x, y);
      if (c !== 0) return s.desc ? -c : c;
    }
    return 0;
  }

  processBatch(batch: Batch<Row | ChangeRow>, out: Output<ChangeRow>): void {
    for (let i = 0; i < batch.values.length; i++) {
      const v = batch.values[i]!;
      this.backend.setCurrentKey(this.keyAt(batch, i));
      const row = this.changelogInput ? (v as ChangeRow).row : (v as Row);
      if (this.windowEnd && (this.windowEnd(row) as number) - 1 <= this.currentWatermark) continue;
      const retract = this.changelogInput && ((v as ChangeRow).op === '-U' || (v as ChangeRow).op === '-D');
      const list = this.state.value() ?? [];
      const before = list.slice(0, this.limit);
      if (retract) {
        const at = list.findIndex((e) => sameRow(e.row, row));
        if (at < 0) continue;
        list.splice(at, 1);
      } else {
        const keys = this.sort.map((s) => s.fn(row));
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          const c = this.compare(list[mid]!.keys, keys);
          if (c < 0 || (c === 0 && !this.newWinsTies)) lo = mid + 1;
          else hi = mid;
        }
        if (lo >= this.limit && !this.changelogInput) continue;
        list.splice(lo, 0, { row, keys });
        if (!this.changelogInput && list.length > this.limit) list.length = this.limit;
      }
      if (list.length === 0) this.state.clear();
      else this.state.update(list);
      const after = list.slice(0, this.limit);
      for (let r = 0; r < this.limit; r++) {
        const o = before[r];
        const n = after[r];
        if (o === n) continue;
        if (o) out.emit({ op: n ? '-U' : '-D', row: [...o.row, r + 1] }, NO_TIMESTAMP);
        if (n) out.emit({ op: o ? '+U' : '+I', row: [...n.row, r + 1] }, NO_TIMESTAMP);
      }
    }
  }

  protected onTimer(_t: number, _k: Key, _ns: Namespace, _kind: 'event' | 'processing', _out: Output<ChangeRow>): void {}
}

function sameRow(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === null || y === null ? x !== y : !valuesEqual(x, y)) return false;
  }
  return true;
}
